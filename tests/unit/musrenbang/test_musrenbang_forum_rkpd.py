"""Musrenbang RKPD as a forum: the record's field errors, and the per-usulan outcomes as the forum's
agreements (with the forum's reference), never above what reached the forum."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from musrenbang.berita_acara import render_berita_acara_rkpd
from musrenbang.domain import DecisionStatus, Level, ValidationError, build_manifest, status_at
from musrenbang.domain.forum_rkpd import (check_record, forum_decisions, reaching_forum, record_errors,
                                          usulan_agreement_errors)
from musrenbang_builders import PEMDA, TAHUN, accepted_through, decided, submitted

WIB = timezone(timedelta(hours=7))
AT = datetime(2026, 3, 18, 15, tzinfo=WIB)
REF = f"BA-MUSRENBANG-RKPD/{PEMDA}/{TAHUN}"


def record(**changes):
    return {"tempat": "Aula Bappeda", "tanggal": "2026-03-18",
            "peserta": [{"nama": "Kepala Bappeda", "unsur": "bappeda", "instansi": "Bappeda"},
                        {"nama": "Ketua Komisi C", "unsur": "dprd"}],
            "kesepakatan": [{"jenis": "prioritas", "uraian": "Infrastruktur dasar"}], **changes}


def fields(rec) -> set[str]:
    return {e.field for e in record_errors(rec)}


def test_a_complete_record_has_no_errors_and_is_trimmed():
    clean = check_record(record(tempat="  Aula Bappeda "))
    assert clean["tempat"] == "Aula Bappeda" and clean["peserta"][1]["instansi"] == ""


@pytest.mark.parametrize("changes,field", [
    ({"tempat": " "}, "tempat"),
    ({"tanggal": "18-03-2026"}, "tanggal"),
    ({"peserta": []}, "peserta"),
    ({"peserta": [{"nama": "A", "unsur": "lsm"}]}, "peserta[0].unsur"),
    ({"peserta": [{"nama": "", "unsur": "dprd"}]}, "peserta[0].nama"),
    ({"kesepakatan": []}, "kesepakatan"),
    ({"kesepakatan": [{"jenis": "lainnya", "uraian": "x"}]}, "kesepakatan[0].jenis"),
    ({"kesepakatan": [{"jenis": "perubahan_baris", "uraian": "Pagu ditambah"}]}, "kesepakatan[0].row_id"),
    ({"kesepakatan": [{"jenis": "perubahan_baris", "uraian": "Pagu ditambah", "row_id": "r1"}]},
     "kesepakatan[0].alasan"),
    ({"kesepakatan": [{"jenis": "pokir", "uraian": "Sumur bor"}]}, "kesepakatan[0].pokir_id"),
    ({"kesepakatan": [{"jenis": "usulan", "usulan_id": "u1", "status": "ditolak"}]}, "kesepakatan[0].alasan"),
    ({"kesepakatan": [{"jenis": "usulan", "usulan_id": "u1", "status": "diterima dengan perubahan",
                       "alasan": "x"}]}, "kesepakatan[0].volume"),
    ({"kesepakatan": [{"jenis": "prioritas", "uraian": "x", "usulan_id": "u1"}]}, "kesepakatan[0].usulan_id"),
    ({"kesepakatan": [{"jenis": "usulan", "usulan_id": "u1", "status": "diterima"},
                      {"jenis": "usulan", "usulan_id": "u1", "status": "diterima"}]}, "kesepakatan[1].usulan_id"),
    ({"tempat": "Aula\n# Judul"}, "tempat"),
    ({"bonus": 1}, "bonus"),
])
def test_each_problem_of_the_record_is_named_on_its_field(changes, field):
    assert field in fields(record(**changes))


def test_every_problem_at_once():
    assert fields(record(tempat="", peserta=[{"nama": "A", "unsur": "lsm"}], tanggal=None)) == {
        "tempat", "peserta[0].unsur", "tanggal"}
    with pytest.raises(ValidationError):
        check_record(record(tempat=""))


def cycle():
    """Accepted at kecamatan (two), rejected at kecamatan, already decided at kabupaten: only the
    first two reach the forum."""
    a = accepted_through(submitted("u-a"), Level.DESA, Level.KECAMATAN)
    b = accepted_through(submitted("u-b", volume="100"), Level.DESA, Level.KECAMATAN)
    rejected = decided(accepted_through(submitted("u-c"), Level.DESA), Level.KECAMATAN, DecisionStatus.DITOLAK,
                       reason="Sudah ada").usulan
    only_desa = accepted_through(submitted("u-d"), Level.DESA)
    return [a, b, rejected, only_desa]


def test_only_usulan_accepted_at_kecamatan_and_undecided_reach_the_forum():
    assert [u.id for u in reaching_forum(cycle())] == ["u-a", "u-b"]


def test_agreements_name_an_usulan_that_reached_the_forum_with_a_valid_volume():
    reaching = {u.id: u for u in reaching_forum(cycle())}
    kesepakatan = [{"jenis": "usulan", "usulan_id": "u-c", "status": "diterima"},
                   {"jenis": "usulan", "usulan_id": "u-b", "status": "diterima dengan perubahan", "volume": "0"},
                   {"jenis": "usulan", "usulan_id": "u-a", "status": "diterima dengan perubahan", "volume": "120.5"},
                   {"jenis": "prioritas", "uraian": "x"}]
    found = {(e.field, e.code) for e in usulan_agreement_errors(kesepakatan, reaching)}
    assert ("kesepakatan[0].usulan_id", "not_reaching_forum") in found
    assert "kesepakatan[1].volume" in {f for f, _ in found}
    assert ("kesepakatan[2].volume", "unchanged") in found
    assert not any(f.startswith("kesepakatan[3]") for f, _ in found)


def test_the_forum_decides_every_usulan_that_reached_it_with_its_reference():
    kesepakatan = [{"jenis": "usulan", "usulan_id": "u-b", "status": "diterima dengan perubahan", "volume": "80",
                    "alasan": "Disesuaikan dengan pagu"}]
    decided_ = {u.id: u for u in forum_decisions(cycle(), kesepakatan, forum_ref=REF, by="bappeda-1", at=AT)}
    assert set(decided_) == {"u-a", "u-b"}  # nothing for the rejected one or the one stopped at kecamatan
    a, b = decided_["u-a"].decisions[-1], decided_["u-b"].decisions[-1]
    assert (a.level, a.status, a.forum_ref, a.by) == (Level.KABUPATEN, DecisionStatus.DITERIMA, REF, "bappeda-1")
    assert (b.status, b.volume, b.reason) == (DecisionStatus.DITERIMA_DENGAN_PERUBAHAN, Decimal("80"),
                                              "Disesuaikan dengan pagu")
    assert b.cost == Decimal("80") * decided_["u-b"].kamus_item.harga_satuan
    assert b.original_volume == Decimal("100")  # the desa's original stays beside the forum's value
    assert status_at(decided_["u-b"], Level.KABUPATEN) == "diterima dengan perubahan"


def test_a_rejection_agreed_by_the_forum_leaves_the_usulan_out_of_the_manifest():
    kesepakatan = [{"jenis": "usulan", "usulan_id": "u-a", "status": "ditolak", "alasan": "Dibiayai DAK"}]
    decided_ = {u.id: u for u in forum_decisions(cycle(), kesepakatan, forum_ref=REF, by="bappeda-1", at=AT)}
    everything = [decided_.get(u.id, u) for u in cycle()]
    manifest = build_manifest(everything, pemda=PEMDA, tahun=TAHUN, level=Level.KABUPATEN)
    assert manifest.accepted_count == 1 and manifest.counts["ditolak"] == 1


def test_the_berita_acara_escapes_typed_text_and_carries_the_outcomes():
    rec = check_record(record(tempat="Aula | Bappeda", peserta=[{"nama": "# Camat", "unsur": "kecamatan"}],
                              catatan="Baris satu\n## bukan judul"))
    text = render_berita_acara_rkpd(rec, title="Musrenbang RKPD Kota", pemda_name="Medan", tahun=TAHUN,
                                    forum_ref=REF, decisions=[{"tracking_code": "K7Q2M9XA", "kecamatan": "12.71.01",
                                                               "desa": "12.71.01.1001", "status": "diterima",
                                                               "volume": "10", "cost": "1000.00", "reason": ""}],
                                    manifest={"accepted_count": 1, "accepted_cost": "1000.00", "digest": "0" * 64})
    assert text.startswith("# BERITA ACARA MUSRENBANG RKPD KOTA MEDAN")
    assert "Aula \\| Bappeda" in text  # a pipe cannot open a table cell
    assert "| 1 | # Camat | Kecamatan | - |" in text  # inside a cell, never at a line start
    assert "\n## bukan judul" not in text
    assert "| K7Q2M9XA |" in text and REF in text
