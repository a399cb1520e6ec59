"""Forum Perangkat Daerah (record, close blockers), the calendar copy's rules, Renja final against the
RKPD penetapan, and a Perubahan reopening an OPD (issue #16)."""
from datetime import timedelta
from decimal import Decimal

import pytest

from renja.domain import (GABUNGAN, RenjaStatus, TransitionRefused, ValidationError, Window, closed_forum,
                          finalize_renja, forum_close_blockers, forum_pd_calendar_blockers, new_renja,
                          open_for_perubahan, penetapan_differences, record_forum, step_of, verify_renja)
from renja.domain.lifecycle import RenjaState, submit_renja
from renja.domain.pagu import opd_totals

from renja_builders import BAPPEDA, OPD_PU, OPERATOR_PU, PEMDA, TAHUN, at, item, make_row, pagu

DATA = {"tempat": "Aula Dinas PUPR", "tanggal": "2027-03-05",
        "peserta": [{"nama": "Ir. Siregar", "unsur": "opd", "instansi": "Dinas PUPR"}],
        "kesepakatan": ["Drainase pasar masuk baris drainase perkotaan"]}


def forum(**changes):
    return record_forum(None, by="u-pu", pemda=PEMDA, tahun=TAHUN, kunci=OPD_PU, opds=[OPD_PU],
                        data={**DATA, **changes}, at=at(3, 5))


def test_a_forum_records_place_date_participants_and_agreements():
    f = forum()
    assert (f.tempat, f.tanggal, f.peserta[0].unsur, f.kesepakatan) == ("Aula Dinas PUPR", "2027-03-05", "opd",
                                                                        ("Drainase pasar masuk baris drainase "
                                                                         "perkotaan",))
    assert not f.closed


def test_forum_record_refusals_are_field_level():
    with pytest.raises(ValidationError) as caught:
        forum(tempat=" ", tanggal="5 Maret", peserta=[{"nama": "A", "unsur": "lsm", "instansi": ""}],
              kesepakatan=["ok", 3], ruang="B")
    assert caught.value.fields() == {"tempat", "tanggal", "peserta[0].unsur", "peserta[0].instansi",
                                     "kesepakatan[1]", "ruang"}
    with pytest.raises(ValidationError) as caught:
        forum(peserta=[])
    assert caught.value.fields() == {"peserta"}


def test_a_closed_forum_cannot_be_changed_or_closed_again():
    done = closed_forum(forum(), by="u-pu", at=at(3, 6), sha256="a" * 64)
    assert done.closed and done.berita_acara_sha256 == "a" * 64
    with pytest.raises(TransitionRefused):
        record_forum(done, by="u-pu", pemda=PEMDA, tahun=TAHUN, kunci=OPD_PU, opds=[OPD_PU], data=DATA, at=at(3, 7))
    with pytest.raises(TransitionRefused):
        closed_forum(done, by="u-pu", at=at(3, 7), sha256="b" * 64)


def test_close_is_blocked_by_an_unrecorded_forum_undecided_items_and_the_calendar():
    waiting = item("u-9")
    found = forum_close_blockers(None, pending=[waiting], calendar=[{"kind": "tahap_belum_ditutup", "step": "kecamatan",
                                                                     "detail": "x"}])
    assert [b["kind"] for b in found] == ["forum_belum_dicatat", "inbox_pending", "tahap_belum_ditutup"]
    assert found[1]["ids"] == [waiting.id]
    assert forum_close_blockers(forum(), pending=[], calendar=[]) == []


def window(step, closes_in_days, now):
    return Window(step, now - timedelta(days=30), now + timedelta(days=closes_in_days))


def test_the_forum_waits_for_the_kecamatan_step_and_a_scheduled_renja_draft_step():
    now = at(3, 5)
    assert [b["kind"] for b in forum_pd_calendar_blockers({}, now)] == ["kalender_belum_ada"]
    open_kec = {"kecamatan": window("kecamatan", 2, now)}
    assert [b["step"] for b in forum_pd_calendar_blockers(open_kec, now)] == ["kecamatan"]
    closed_kec = {"kecamatan": window("kecamatan", -1, now)}
    assert forum_pd_calendar_blockers(closed_kec, now) == []
    with_draft = {**closed_kec, "renja_draft": window("renja_draft", 1, now)}
    assert [b["step"] for b in forum_pd_calendar_blockers(with_draft, now)] == ["renja_draft"]
    assert forum_pd_calendar_blockers({**with_draft, "renja_draft": window("renja_draft", 0, now)}, now) == []
    assert forum_pd_calendar_blockers({"desa": window("desa", -5, now)}, now)[0]["step"] == "kecamatan"


def test_calendar_windows_name_their_step_or_a_legacy_level():
    assert step_of({"step": "forum_pd", "level": None}) == "forum_pd"
    assert step_of({"level": "kabupaten"}) == "musrenbang_rkpd"
    assert step_of({"level": "kecamatan"}) == "kecamatan"
    assert step_of({"level": "provinsi"}) is None


# -- Renja final against the penetapan -------------------------------------------------------------

def rows():
    return [make_row("r1", "400000000", sub_kegiatan="1.03.10.2.01.0028"),
            make_row("r2", "250000000", sub_kegiatan="1.03.02.2.01.0001"),
            make_row("r3", "100000000", sub_kegiatan="1.03.01.2.01.0001")]


def test_a_renja_agreeing_with_the_penetapan_has_no_differences():
    lines = [{"sub_kegiatan": "1.03.10.2.01.0028", "pagu_n": "400000000.00"},
             {"sub_kegiatan": "1.03.02.2.01.0001", "pagu_n": "250000000"},
             {"sub_kegiatan": "1.03.01.2.01.0001", "pagu_n": "60000000"},
             {"sub_kegiatan": "1.03.01.2.01.0001", "pagu_n": "40000000"}]  # lines of one code are summed
    assert penetapan_differences(rows(), lines) == []


def test_missing_extra_and_different_pagu_are_each_listed():
    lines = [{"sub_kegiatan": "1.03.10.2.01.0028", "pagu_n": "400000000.01"},  # one sen differs
             {"sub_kegiatan": "1.03.02.2.01.0001", "pagu_n": "250000000"},
             {"sub_kegiatan": "1.03.03.2.01.0022", "pagu_n": "75000000"}]
    found = penetapan_differences(rows(), lines)
    assert [(d["kind"], d["sub_kegiatan"]) for d in found] == [("extra", "1.03.01.2.01.0001"),
                                                               ("missing", "1.03.03.2.01.0022"),
                                                               ("pagu_differs", "1.03.10.2.01.0028")]  # by code
    differs = next(d for d in found if d["kind"] == "pagu_differs")
    assert (differs["pagu_renja"], differs["pagu_penetapan"], differs["selisih"]) == ("400000000.00", "400000000.01",
                                                                                      "-0.01")
    assert [d["sub_kegiatan"] for d in found] == sorted(d["sub_kegiatan"] for d in found)
    assert "Rp75.000.000,00" in next(d for d in found if d["kind"] == "missing")["message"]
    assert [d["row_ids"] for d in found] == [["r3"], [], ["r1"]]
    assert penetapan_differences([], []) == []
    assert [d["kind"] for d in penetapan_differences(rows()[:1], [])] == ["extra"]


# -- perubahan ----------------------------------------------------------------------------------------

def final_state():
    s = new_renja(pemda=PEMDA, opd=OPD_PU, tahun=TAHUN)
    s = submit_renja(s, actor=OPERATOR_PU, at=at(4, 1), totals=opd_totals([make_row("r1")], pagu()))
    s = verify_renja(s, actor=BAPPEDA, at=at(4, 2))
    return finalize_renja(s, actor=BAPPEDA, at=at(4, 3))


def test_a_perubahan_makes_a_final_renja_editable_again_and_finalizing_closes_it():
    reopened = open_for_perubahan(final_state(), by="u-bappeda", at=at(8, 1), alasan="Bencana banjir")
    assert reopened.status is RenjaStatus.DIKEMBALIKAN and reopened.rows_editable
    assert reopened.perubahan == "Bencana banjir" and reopened.history[-1].action == "perubahan"
    assert reopened.history[-1].from_status is RenjaStatus.FINAL
    again = submit_renja(reopened, actor=OPERATOR_PU, at=at(8, 2), totals=opd_totals([make_row("r1")], pagu()))
    again = finalize_renja(verify_renja(again, actor=BAPPEDA, at=at(8, 3)), actor=BAPPEDA, at=at(8, 4))
    assert again.status is RenjaStatus.FINAL and again.perubahan is None


def test_a_perubahan_on_a_draft_keeps_it_a_draft():
    draft = new_renja(pemda=PEMDA, opd=OPD_PU, tahun=TAHUN)
    assert open_for_perubahan(draft, by="b", at=at(8, 1), alasan="x").status is RenjaStatus.DRAFT
