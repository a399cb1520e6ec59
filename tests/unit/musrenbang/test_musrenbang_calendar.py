"""The planning calendar of Permendagri 86/2017: order rules of windows and close acts, the pokir
deadline derived from Musrenbang RKPD, labels from the pemda's region name, legacy years."""
from datetime import datetime, timedelta, timezone

import pytest

from musrenbang.codec import schedule_from_dict, schedule_to_dict
from musrenbang.domain import (STEP_RULES, STEPS, TATA_URUTAN_BARU, TATA_URUTAN_LAMA, DependenciesOpen, Level,
                               Schedule, ScheduleChangeRefused, Step, StepInput, ValidationError, Window,
                               check_window, close_early, extend, jenis_pemda, local_label, new_calendar,
                               pokir_deadline, reopen, require_dependencies_closed, step_state, step_title)
from musrenbang_builders import PEMDA, TAHUN, WIB, schedule

Y = 2026


def t(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(Y, month, day, hour, tzinfo=WIB)


def windows() -> dict[Step, tuple[datetime, datetime | None]]:
    """A year in the regulation's order (plan year 2027, planned in 2026)."""
    return {
        Step.RANCANGAN_AWAL: (t(1, 2), t(1, 5)),
        Step.RENJA_DRAFT: (t(1, 5), t(3, 1)),
        Step.DESA: (t(1, 5), t(2, 1)),
        Step.KECAMATAN: (t(2, 1), t(2, 20)),
        Step.FORUM_PD: (t(2, 20), t(3, 10)),
        Step.POKIR: (t(1, 5), None),  # derived: one week before Musrenbang RKPD
        Step.MUSRENBANG_RKPD: (t(3, 16), t(4, 1)),
        Step.PENETAPAN: (t(4, 1), t(5, 31)),
        Step.RENJA_FINAL: (t(6, 1), t(6, 30)),
    }


def entries(changes: dict | None = None) -> list[StepInput]:
    w = {**windows(), **(changes or {})}
    return [StepInput(step.value, *w[step]) for step in STEPS]


def calendar(changes: dict | None = None) -> Schedule:
    return new_calendar(PEMDA, TAHUN, entries(changes))


def refused(changes: dict) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        calendar(changes)
    return caught.value


def index(step: Step) -> int:
    return STEPS.index(step)


# -- the steps ------------------------------------------------------------------------------------

def test_nine_steps_in_the_regulations_order_with_owner_and_dependencies():
    assert [s.value for s in STEPS] == ["rancangan_awal", "renja_draft", "desa", "kecamatan", "forum_pd", "pokir",
                                        "musrenbang_rkpd", "penetapan", "renja_final"]
    assert STEP_RULES[Step.FORUM_PD].depends_on == (Step.KECAMATAN, Step.RENJA_DRAFT)
    assert STEP_RULES[Step.MUSRENBANG_RKPD].depends_on == (Step.FORUM_PD, Step.POKIR)
    assert STEP_RULES[Step.MUSRENBANG_RKPD].owner == "bappeda"
    assert STEP_RULES[Step.RENJA_FINAL].depends_on == (Step.PENETAPAN,)
    # every dependency comes earlier in the order
    for step in STEPS:
        assert all(STEPS.index(d) < STEPS.index(step) for d in STEP_RULES[step].depends_on)


def test_a_consistent_calendar_is_a_new_order_year():
    cal = calendar()
    assert cal.tata_urutan == TATA_URUTAN_BARU and cal.new_order
    assert [w.step for w in cal.windows] == list(STEPS)
    # the Musrenbang levels name the same windows as their steps
    assert cal.window(Level.KABUPATEN) is cal.window(Step.MUSRENBANG_RKPD)
    assert cal.window("kabupaten").level is Level.KABUPATEN
    assert cal.window(Step.FORUM_PD).level is None


# -- windows inconsistent with dependencies: refused field by field --------------------------------

def test_a_step_closing_before_its_dependency_closes_is_refused_on_its_closes_at():
    error = refused({Step.FORUM_PD: (t(2, 20), t(4, 5))})  # Forum PD would close after Musrenbang RKPD (4-1)
    assert error.fields() == {f"steps[{index(Step.MUSRENBANG_RKPD)}].closes_at"}
    assert f"steps[{index(Step.MUSRENBANG_RKPD)}].closes_at" in error.fields()
    assert error.codes_for(f"steps[{index(Step.MUSRENBANG_RKPD)}].closes_at") == {"before_dependency"}
    assert "Forum Perangkat Daerah" in " ".join(error.messages_for(f"steps[{index(Step.MUSRENBANG_RKPD)}].closes_at"))


def test_a_step_opening_before_its_dependency_opens_is_refused_on_its_opens_at():
    error = refused({Step.RENJA_DRAFT: (t(1, 1), t(3, 1))})  # rancangan awal opens 1-2
    assert error.fields() == {f"steps[{index(Step.RENJA_DRAFT)}].opens_at"}


def test_every_inconsistent_field_is_named_at_once():
    error = refused({Step.KECAMATAN: (t(1, 1), t(1, 20)), Step.PENETAPAN: (t(3, 1), t(3, 20))})
    assert {f"steps[{index(Step.KECAMATAN)}].opens_at", f"steps[{index(Step.KECAMATAN)}].closes_at",
            f"steps[{index(Step.PENETAPAN)}].opens_at", f"steps[{index(Step.PENETAPAN)}].closes_at"} <= error.fields()


def test_missing_duplicate_unknown_steps_and_reversed_windows_are_refused():
    assert "steps" in refused_entries(entries()[:-1]).fields()
    dup = entries()
    dup[1] = StepInput("desa", t(1, 5), t(2, 1))
    assert refused_entries(dup).fields() == {"steps[2].step"}  # the second desa
    unknown = entries()
    unknown[0] = StepInput("musrenbang_provinsi", t(1, 2), t(1, 5))
    assert "steps[0].step" in refused_entries(unknown).fields()
    assert f"steps[{index(Step.DESA)}].closes_at" in refused({Step.DESA: (t(2, 1), t(1, 5))}).fields()
    assert f"steps[{index(Step.DESA)}].closes_at" in refused({Step.DESA: (t(1, 5), None)}).fields()


def refused_entries(items):
    with pytest.raises(ValidationError) as caught:
        new_calendar(PEMDA, TAHUN, items)
    return caught.value


# -- the pokir deadline follows Musrenbang RKPD ----------------------------------------------------

def test_pokir_deadline_is_local_midnight_one_week_before_musrenbang_rkpd_opens():
    assert pokir_deadline(t(3, 16, 9)) == t(3, 9)
    assert pokir_deadline(datetime(2026, 3, 16, 1, tzinfo=timezone.utc)) == t(3, 9)  # 08:00 WIB
    assert pokir_deadline(datetime(2026, 3, 15, 20, tzinfo=timezone.utc)) == t(3, 9)  # 03:00 WIB on 3-16


def test_pokir_window_without_close_takes_the_deadline_and_moves_with_musrenbang_rkpd():
    assert calendar().window(Step.POKIR).closes_at == t(3, 9)
    later = calendar({Step.MUSRENBANG_RKPD: (t(3, 23), t(4, 1))})
    assert later.window(Step.POKIR).closes_at == t(3, 16)


def test_pokir_closing_after_the_deadline_is_refused_on_its_closes_at():
    error = refused({Step.POKIR: (t(1, 5), t(3, 12))})
    assert error.codes_for(f"steps[{index(Step.POKIR)}].closes_at") == {"after_pokir_deadline"}
    assert calendar({Step.POKIR: (t(1, 5), t(3, 2))}).window(Step.POKIR).closes_at == t(3, 2)


def test_pokir_cannot_be_extended_past_the_deadline():
    cal = calendar()
    with pytest.raises(ValidationError) as caught:
        extend(cal, Step.POKIR, closes_at=t(3, 12), by="bappeda-1", at=t(3, 1), reason="Reses diperpanjang")
    assert caught.value.fields() == {"closes_at"}


# -- changes keep the order ------------------------------------------------------------------------

def test_a_window_cannot_be_closed_early_while_a_window_it_depends_on_is_open():
    cal = extend(calendar(), Step.FORUM_PD, closes_at=t(3, 31), by="bappeda-1", at=t(3, 1), reason="OPD terlambat")
    with pytest.raises(ScheduleChangeRefused) as caught:
        close_early(cal, Step.MUSRENBANG_RKPD, by="bappeda-1", at=t(3, 20), reason="Forum dipercepat")
    assert caught.value.code == "dependency_window_open"
    # once Forum PD's window is over, closing Musrenbang RKPD early keeps the order
    done = close_early(calendar(), Step.MUSRENBANG_RKPD, by="bappeda-1", at=t(3, 17), reason="Kesepakatan tercapai")
    assert done.window(Step.MUSRENBANG_RKPD).closes_at == t(3, 17)


def test_a_dependency_closed_by_its_owners_act_no_longer_holds_a_window_open():
    """The penetapan is closed by Bappeda's Perkada (reported by RKPD) while its window may run on:
    Renja final may then be closed early; before that act it may not."""
    cal = calendar({Step.PENETAPAN: (t(4, 1), t(6, 30)), Step.RENJA_FINAL: (t(4, 1), t(7, 31))})
    with pytest.raises(ScheduleChangeRefused) as caught:
        close_early(cal, Step.RENJA_FINAL, by="bappeda-1", at=t(5, 1), reason="Semua Renja final")
    assert caught.value.code == "dependency_window_open"
    done = close_early(cal, Step.RENJA_FINAL, by="bappeda-1", at=t(5, 1), reason="Semua Renja final",
                       closed=frozenset({Step.PENETAPAN}))
    assert done.window(Step.RENJA_FINAL).closes_at == t(5, 1)
    assert done.window(Step.PENETAPAN).closes_at == t(6, 30)  # its own window is not touched


def test_close_early_after_the_dependencies_closed_is_audited():
    cal = calendar()
    closed = close_early(cal, Step.FORUM_PD, by="bappeda-1", at=t(3, 1), reason="Semua OPD sudah menutup forum")
    record = closed.history[-1]
    assert (record.step, record.kind.value, record.by, record.reason) == (
        Step.FORUM_PD, "close_early", "bappeda-1", "Semua OPD sudah menutup forum")
    assert record.before.closes_at == t(3, 10) and record.after.closes_at == t(3, 1)


def test_a_window_cannot_be_extended_past_the_close_of_a_step_that_depends_on_it():
    cal = calendar()
    with pytest.raises(ValidationError) as caught:
        extend(cal, Step.FORUM_PD, closes_at=t(4, 5), by="bappeda-1", at=t(3, 1), reason="OPD terlambat")
    assert caught.value.fields() == {"closes_at"}
    assert "Musrenbang" in caught.value.errors[0].message
    ok = extend(cal, Step.FORUM_PD, closes_at=t(3, 12), by="bappeda-1", at=t(3, 1), reason="OPD terlambat")
    assert ok.window(Step.FORUM_PD).closes_at == t(3, 12)


def test_reopen_needs_a_reason_and_is_kept_in_the_history():
    cal = calendar()
    with pytest.raises(ValidationError) as caught:
        reopen(cal, Step.DESA, closes_at=t(2, 5), by="bappeda-1", at=t(2, 2), reason=" ")
    assert "reason" in caught.value.fields()
    again = reopen(cal, Step.DESA, closes_at=t(2, 5), by="bappeda-1", at=t(2, 2), reason="Desa terdampak banjir")
    assert again.history[-1].kind.value == "reopen" and again.window(Step.DESA).closes_at == t(2, 5)


# -- close acts: a step cannot close before the ones it depends on -------------------------------

def test_a_close_act_is_refused_while_a_dependency_is_not_closed():
    cal = calendar()
    with pytest.raises(DependenciesOpen) as caught:
        require_dependencies_closed(cal, Step.MUSRENBANG_RKPD, {Step.POKIR}, t(3, 9, 12))  # forum_pd open to 3-10
    assert caught.value.steps == (Step.FORUM_PD,) and caught.value.code == "dependencies_open"
    assert "Forum Perangkat Daerah" in caught.value.message


def test_window_steps_close_when_their_window_ends_reported_steps_when_their_owner_reports():
    cal = calendar()
    # Forum PD's window is over on 3-20; pokir's input window too, but Pokir has not closed its stage
    with pytest.raises(DependenciesOpen) as caught:
        require_dependencies_closed(cal, Step.MUSRENBANG_RKPD, (), t(3, 20))
    assert caught.value.steps == (Step.POKIR,)
    require_dependencies_closed(cal, Step.MUSRENBANG_RKPD, {"pokir"}, t(3, 20))
    # Bappeda closing Forum PD early in the calendar closes the step
    early = close_early(cal, Step.FORUM_PD, by="bappeda-1", at=t(3, 1), reason="Semua OPD selesai")
    require_dependencies_closed(early, Step.MUSRENBANG_RKPD, {Step.POKIR}, t(3, 2))
    with pytest.raises(DependenciesOpen) as caught:
        require_dependencies_closed(cal, Step.MUSRENBANG_RKPD, {Step.POKIR}, t(3, 2))
    assert caught.value.steps == (Step.FORUM_PD,)
    # the kecamatan close waits for the desa window
    with pytest.raises(DependenciesOpen):
        require_dependencies_closed(cal, Step.KECAMATAN, (), t(1, 31))
    require_dependencies_closed(cal, Step.KECAMATAN, (), t(2, 1))


def test_step_state():
    cal = calendar()
    assert step_state(cal, Step.FORUM_PD, (), t(2, 1)) == "not_open"
    assert step_state(cal, Step.FORUM_PD, (), t(3, 1)) == "open"
    assert step_state(cal, Step.FORUM_PD, (), t(3, 10)) == "closed"
    assert step_state(cal, Step.POKIR, (), t(3, 10)) == "awaiting_close"  # input over, stage not closed by Pokir
    assert step_state(cal, Step.POKIR, {Step.POKIR}, t(2, 1)) == "closed"
    assert step_state(cal, Step.PENETAPAN, {"penetapan"}, t(4, 2)) == "closed"


# -- labels -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("nama,jenis", [("Kabupaten Padang Lawas", "kabupaten"), ("KAB. PADANG LAWAS", "kabupaten"),
                                        ("Kota Medan", "kota"), ("KOTA MEDAN", "kota"), (None, "kabupaten"),
                                        ("Kotawaringin Barat", "kabupaten")])
def test_pemda_type_from_its_region_name(nama, jenis):
    assert jenis_pemda(nama) == jenis


def test_musrenbang_rkpd_label_follows_the_pemda_type():
    assert step_title(Step.MUSRENBANG_RKPD, "kabupaten") == "Musrenbang RKPD Kabupaten"
    assert step_title(Step.MUSRENBANG_RKPD, jenis_pemda("Kota Medan")) == "Musrenbang RKPD Kota"
    assert step_title(Step.FORUM_PD) == "Forum Perangkat Daerah"


def test_windows_are_shown_in_the_calendars_zone():
    w = Window(Step.DESA, datetime(2026, 1, 4, 17, tzinfo=timezone.utc), datetime(2026, 1, 31, 17, tzinfo=timezone.utc))
    assert local_label(w) == "2026-01-05 00:00 WIB s.d. 2026-01-31 23:59 WIB"
    assert local_label(w, "WITA") == "2026-01-05 01:00 WITA s.d. 2026-02-01 00:59 WITA"


# -- legacy years -----------------------------------------------------------------------------------

def test_a_stored_schedule_without_tata_urutan_is_a_year_of_the_old_order():
    stored = schedule_to_dict(schedule())
    del stored["tata_urutan"]
    legacy = schedule_from_dict(stored)
    assert legacy.tata_urutan == TATA_URUTAN_LAMA and not legacy.new_order
    assert [w.level for w in legacy.windows] == [Level.DESA, Level.KECAMATAN, Level.KABUPATEN]
    # old stored windows (level only) still read, kabupaten as the Musrenbang RKPD step
    stored["windows"] = [{k: v for k, v in w.items() if k != "step"} for w in stored["windows"]]
    assert schedule_from_dict(stored).window(Step.MUSRENBANG_RKPD) is not None


def test_legacy_years_keep_the_old_rules_for_changes():
    # the old order has no dependency rules on windows: closing kabupaten early is today's act
    legacy = schedule()
    closed = close_early(legacy, Level.KABUPATEN, by="bappeda-1", at=datetime(2026, 3, 20, tzinfo=WIB),
                         reason="Selesai lebih cepat")
    assert closed.history[-1].level is Level.KABUPATEN
    with pytest.raises(Exception):
        check_window(closed, Level.KABUPATEN, datetime(2026, 3, 21, tzinfo=WIB))


def test_calendar_round_trips_through_the_codec():
    cal = close_early(calendar(), Step.FORUM_PD, by="bappeda-1", at=t(3, 1), reason="Selesai")
    assert schedule_from_dict(schedule_to_dict(cal)) == cal
