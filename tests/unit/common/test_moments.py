"""Points in time the services accept (issue #9: a fuzzed offset of +19:36 reached PostgreSQL and
failed the transaction: a 500 instead of a field error)."""
import pytest

from eplanning_common.domainkit.moments import parse_aware


@pytest.mark.parametrize("value", ["2027-01-05T00:00:00+07:00", "2027-01-05T00:00:00Z", "2027-01-05T00:00:00+14:00",
                                   "2027-01-05T00:00:00-12:00", "2027-01-05T08:30:00.123456-03:30"])
def test_an_aware_time_within_the_earths_offsets_is_accepted(value):
    assert parse_aware(value) is not None


@pytest.mark.parametrize("value", ["0905-05-18T07:22:59.055141+19:36", "2027-01-05T00:00:00-14:01",
                                   "2027-01-05T00:00:00", "2027-02-30T00:00:00Z", "0001-01-01T00:00:00+14:00",
                                   "9999-12-31T23:59:59-14:00", "kemarin", "", None, 20270105])
def test_anything_else_is_refused(value):
    assert parse_aware(value) is None


def test_the_services_refuse_such_a_time_as_a_field_error_not_a_database_error():
    from musrenbang.schedule_actions import _moment as musrenbang_moment
    from pokir.setup_actions import _moment as pokir_moment

    for moment in (musrenbang_moment, pokir_moment):
        with pytest.raises(Exception) as refused:
            moment("0905-05-18T07:22:59.055141+19:36", "opens_at")
        assert type(refused.value).__name__ == "ValidationError"
        assert "opens_at" in str(refused.value.__dict__) or "opens_at" in repr(refused.value.args)
