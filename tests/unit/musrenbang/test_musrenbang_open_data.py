"""The public `usulan` open-data rows: one per submitted or withdrawn usulan, whitelisted columns
only (no proposer, operator, address, coordinates or free text), and the same final status the
RKPD annex gives (rkpd.domain.lampiran.final_status)."""
import json
from decimal import Decimal

import pytest

from musrenbang.domain import DecisionStatus, Level, withdraw
from musrenbang.open_data import COLUMNS, musrenbang_status, usulan_rows
from musrenbang_builders import (DESA_A, DESA_B, DESA_C, DRAINASE, KEC_1, KEC_2, accepted_through, at, decided,
                                 draft, schedule, submitted)

D, K, B = Level.DESA, Level.KECAMATAN, Level.KABUPATEN
S = DecisionStatus
# what the builders put in every usulan and must never appear in a public row
PERSONAL = ("Siti Aminah", "081234567890", "1221014101800001", "Kelompok Tani", "Dusun II", "1.0123", "99.3456",
            "operator-desa", "forum-desa", "forum-kecamatan", "forum-kabupaten", "Jalan dusun rusak",
            "Rabat beton jalan Dusun")


def cycle():
    """Seven usulan covering every way one ends: accepted at kabupaten (OPD decided, twice after a
    re-route; and not yet), rejected at kecamatan, merged, stopped before kabupaten, withdrawn,
    never decided, and a draft."""
    accepted = accepted_through(submitted("u-acc", volume="100"), D, K)
    accepted = decided(accepted, B, S.DITERIMA_DENGAN_PERUBAHAN, reason="Disesuaikan pagu", revised_volume="80").usulan
    rerouted = accepted_through(submitted("u-alih", desa=DESA_B), D, K, B)
    waiting = accepted_through(submitted("u-wait", desa=DESA_C), D, K, B)
    rejected = decided(accepted_through(submitted("u-tolak"), D), K, S.DITOLAK, reason="Bukan prioritas").usulan
    target = accepted_through(submitted("u-target", kamus_item_id=DRAINASE.id, volume="3"), D)
    merged = decided(accepted_through(submitted("u-gabung", kamus_item_id=DRAINASE.id, volume="2"), D), K,
                     S.DIGABUNG, reason="Lokasi sama", target=target)
    target = merged.merge_target
    stopped = accepted_through(submitted("u-stop"), D, K)
    withdrawn = withdraw(submitted("u-tarik"), schedule(), by="operator-desa", at=at(1, 11), reason="Dusun II pindah")
    undecided = submitted("u-none", desa=DESA_C)
    return [accepted, rerouted, waiting, rejected, target, merged.usulan, stopped, withdrawn, undecided,
            draft("u-draft")]


FOLLOW_UPS = {
    "u-acc": [{"decision": "diakomodasi", "reason": "", "rerouted_to": None}],
    "u-alih": [{"decision": "dialihkan", "reason": "Kewenangan Dinas Perkim", "rerouted_to": "1.04.0.00.0.00.01.0000"},
               {"decision": "ditolak", "reason": "Pagu Perkim habis", "rerouted_to": None}],
}


@pytest.fixture
def rows():
    return {r["tracking_code"]: r for r in usulan_rows(cycle(), FOLLOW_UPS)}


@pytest.fixture
def by_id():
    return {u.id: u.tracking_code for u in cycle()}


def row_of(rows, by_id, usulan_id):
    return rows[by_id[usulan_id]]


def test_one_row_per_submitted_or_withdrawn_usulan_drafts_left_out(rows, by_id):
    assert by_id["u-draft"] not in rows
    assert len(rows) == 9
    assert all(list(r) == list(COLUMNS) for r in rows.values())


def test_rows_are_sorted_by_kecamatan_desa_and_tracking_code():
    ordered = [(r["kecamatan"], r["desa"], r["tracking_code"]) for r in usulan_rows(cycle(), FOLLOW_UPS)]
    assert ordered == sorted(ordered) and ordered[0][0] == KEC_1 and ordered[-1][0] == KEC_2


def test_accepted_at_kabupaten_and_accommodated(rows, by_id):
    r = row_of(rows, by_id, "u-acc")
    assert (r["kecamatan"], r["desa"], r["kamus_kode"], r["item"], r["satuan"]) == (
        KEC_1, DESA_A, "JLN-01", "Rabat beton jalan desa", "m")
    assert (r["volume_awal"], r["cost_awal"], r["volume_akhir"], r["cost_akhir"]) == (
        "100", "75000000.00", "80", "60000000.00")
    assert (r["status_desa"], r["status_kecamatan"], r["status_kabupaten"]) == (
        "diterima", "diterima", "diterima dengan perubahan")
    assert (r["status_musrenbang"], r["alasan_musrenbang"]) == ("diterima dengan perubahan", "Disesuaikan pagu")
    assert (r["keputusan_opd"], r["alasan_opd"], r["status_akhir"], r["alasan_akhir"]) == (
        "diakomodasi", None, "diakomodasi", "Disesuaikan pagu")


def test_the_latest_opd_decision_counts_after_a_reroute(rows, by_id):
    r = row_of(rows, by_id, "u-alih")
    assert (r["keputusan_opd"], r["alasan_opd"], r["dialihkan_ke"]) == ("ditolak", "Pagu Perkim habis", None)
    assert (r["status_akhir"], r["alasan_akhir"]) == ("tidak diakomodasi", "Pagu Perkim habis")


def test_accepted_but_no_opd_decision_yet(rows, by_id):
    r = row_of(rows, by_id, "u-wait")
    assert (r["status_musrenbang"], r["keputusan_opd"], r["status_akhir"]) == ("diterima", None, "belum diputuskan")


def test_rejected_merged_stopped_withdrawn_and_undecided(rows, by_id):
    tolak = row_of(rows, by_id, "u-tolak")
    assert (tolak["status_kecamatan"], tolak["status_kabupaten"]) == ("ditolak", "tidak diteruskan")
    assert (tolak["status_akhir"], tolak["alasan_akhir"]) == ("ditolak", "Bukan prioritas")
    gabung = row_of(rows, by_id, "u-gabung")
    assert (gabung["status_akhir"], gabung["digabung_ke"]) == ("digabung", by_id["u-target"])
    assert row_of(rows, by_id, "u-target")["digabung_ke"] is None
    assert row_of(rows, by_id, "u-stop")["status_akhir"] == "tidak diteruskan"
    tarik = row_of(rows, by_id, "u-tarik")
    assert (tarik["status_desa"], tarik["status_akhir"], tarik["alasan_akhir"]) == ("ditarik", "ditarik", None)
    none = row_of(rows, by_id, "u-none")
    assert (none["status_desa"], none["status_akhir"]) == ("belum diputuskan", "belum diputuskan")


def test_no_personal_data_or_free_text_in_any_row(rows):
    text = json.dumps(list(rows.values()))
    for secret in PERSONAL:
        assert secret not in text, secret
    assert not {"pengusul", "nama", "telepon", "nik", "alamat", "lat", "lon", "by", "created_by", "withdrawn_by",
                "permasalahan", "gagasan", "id", "lampiran"} & set(COLUMNS)


def test_rows_are_flat_json_values(rows):
    for r in rows.values():
        assert all(v is None or isinstance(v, (str, int)) for v in r.values())
        Decimal(r["cost_akhir"]) and Decimal(r["volume_akhir"])


def test_the_final_status_is_the_one_the_rkpd_annex_gives():
    """Open data and the published RKPD say the same: rkpd's rule applied to the same facts."""
    from rkpd.domain import UsulanIn
    from rkpd.domain.lampiran import final_status

    for u in cycle()[:-1]:
        [r] = usulan_rows([u], FOLLOW_UPS)
        status, alasan = musrenbang_status(u)
        latest = (FOLLOW_UPS.get(u.id) or [None])[-1]
        rkpd_view = UsulanIn(u.id, u.tracking_code, u.kecamatan, None, u.desa, None, "", u.kamus_item.opd,
                             u.cost, u.current_cost, status, alasan, latest and latest["decision"],
                             latest and latest["reason"])
        assert (r["status_akhir"], r["alasan_akhir"]) == final_status(rkpd_view), u.id
