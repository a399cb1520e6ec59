"""The demo's cycle plan (eplanning_demo.plan): deterministic, scaled, and inside the rules the
services enforce (real region codes, real nomenclature codes inside each OPD's bidang, pokir inside
the member's dapil and pagu, renja rows within the ceilings, reasons for every refusal)."""
from __future__ import annotations

import csv
import dataclasses
from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from eplanning_common.config import data_dir
from eplanning_common.reference import sub_kegiatan_error
from eplanning_demo.plan import (ACCEPTED, ACCOMMODATE, DIGABUNG, DITERIMA, DITOLAK, REJECT, REROUTE, Territory,
                                 build_plan, load_reference)

PEMDA = "12.21"
SMALL = Territory(kecamatan=("12.21.02", "12.21.07"), desa_per_kecamatan=5,
                  opd=("1.03.0.00.0.00.01.0000", "1.02.0.00.0.00.01.0000", "1.02.0.00.0.00.02.0000",
                       "1.04.2.10.0.00.01.0000"), anggota=("A01", "A02", "A14", "A15"))


@pytest.fixture(scope="module")
def reference():
    return load_reference()


@pytest.fixture(scope="module")
def plan(reference):
    return build_plan(reference, seed=1, scale=1)


@pytest.fixture(scope="module")
def wilayah():
    with open(data_dir() / "wilayah_indonesia.csv", encoding="utf-8", newline="") as fh:
        return {r["kode"]: r["tingkat"] for r in csv.DictReader(fh) if r["kode"].startswith(PEMDA + ".")}


def snapshot(plan) -> dict:
    """Everything the cycle would send, as plain data."""
    return {name: [dataclasses.asdict(x) for x in getattr(plan, name)]
            for name in ("users", "kamus", "usulan", "reses", "pokir", "rows", "ceilings")} | {
        "returned": plan.returned, "opd_csv": plan.opd_csv, "register": plan.register_csv}


# -- determinism and scale ------------------------------------------------------------------------

def test_the_same_seed_gives_the_same_plan_and_another_seed_another(reference, plan):
    assert snapshot(build_plan(reference, seed=1, scale=1)) == snapshot(plan)
    other = snapshot(build_plan(reference, seed=2, scale=1))
    assert other["usulan"] != snapshot(plan)["usulan"] and other["kamus"] != snapshot(plan)["kamus"]


def test_padang_lawas_at_scale_1(plan, wilayah):
    s = plan.summary()
    assert (s["kecamatan"], s["desa"], s["members"]) == (17, 304, 30)
    assert {d for d, _, _ in plan.desa} == {k for k, t in wilayah.items() if t == "desa_kelurahan"}
    assert {k for k, _ in plan.kecamatan} == {k for k, t in wilayah.items() if t == "kecamatan"}
    assert abs(s["usulan"] - 1600) <= 16
    assert 340 <= s["accepted_kecamatan"] <= 420  # domain.md: 380 of 1,600 accepted at kecamatan
    assert s["opd"] == 46 and s["kamus"] >= 100
    assert s["pokir"] == 150 and 0 < s["pokir_overlapping"] < s["pokir"]
    every_desa = Counter(u.desa for u in plan.usulan)
    assert len(every_desa) == 304  # every desa proposes something


@pytest.mark.parametrize("scale, usulan, pokir", [(0.5, 800, 30 * 2), (10, 16000, 30 * 50)])
def test_counts_scale(reference, scale, usulan, pokir):
    scaled = build_plan(reference, seed=1, scale=scale)
    s = scaled.summary()
    assert abs(s["usulan"] - usulan) <= usulan * 0.01
    assert s["pokir"] <= pokir and s["pokir"] >= pokir * 0.9  # a member's pagu may stop them early
    assert s["accepted_kecamatan"] == pytest.approx(usulan * 380 / 1600, rel=0.1)
    assert (s["kecamatan"], s["desa"], s["opd"]) == (17, 304, 46)


def test_a_territory_narrows_everything(reference):
    small = build_plan(reference, seed=3, scale=0.6, territory=SMALL)
    assert [k for k, _ in small.kecamatan] == ["12.21.02", "12.21.07"]
    assert len(small.desa) == 10 and {u.kecamatan for u in small.usulan} <= {"12.21.02", "12.21.07"}
    assert 25 <= len(small.usulan) <= 40
    assert {o.kode for o in small.opds} == set(SMALL.opd)
    assert small.opd_csv.splitlines()[0] == "kode,nama,bidang" and len(small.opd_csv.splitlines()) == 5
    assert {p.anggota_id for p in small.pokir} == set(SMALL.anggota)
    roles = Counter(u.role for u in small.users)
    assert roles == {"bappeda": 1, "setwan": 1, "operator_kecamatan": 2, "operator_desa": 10, "opd": 4,
                     "anggota_dprd": 4, "staf_ahli": 4}
    with pytest.raises(ValueError):
        build_plan(reference, territory=Territory(kecamatan=("12.22.01",)))


def test_every_key_and_username_is_unique(plan):
    keys = [x.key for x in plan.usulan + plan.pokir + plan.reses + plan.rows]
    assert len(keys) == len(set(keys)) and all(8 <= len(k) <= 200 for k in keys)
    names = [u.username for u in plan.users]
    assert len(names) == len(set(names))
    scoped = {u.role: u for u in plan.users}
    assert scoped["operator_desa"].wilayah.count(".") == 3 and scoped["opd"].opd and scoped["staf_ahli"].anggota_id


# -- the rules the services enforce ---------------------------------------------------------------

def test_every_kamus_code_is_a_real_sub_kegiatan_inside_its_opds_bidang(plan):
    opds = {o.kode: o for o in plan.opds}
    for item in plan.kamus:
        assert sub_kegiatan_error(item.sub_kegiatan, PEMDA) is None, item
        assert not item.sub_kegiatan.startswith("X.") and item.sub_kegiatan.split(".")[3] == "2"
        assert ".".join(item.sub_kegiatan.split(".")[:2]) in opds[item.opd].bidang
        assert item.harga_satuan > 0 and item.volume_maks >= 1
    assert len({k.sub_kegiatan for k in plan.kamus}) == len(plan.kamus)
    assert all(opds[k.opd].community for k in plan.kamus)


def test_usulan_volumes_and_costs_follow_the_kamus(plan):
    for u in plan.usulan:
        item = plan.kamus_item(u.kamus)
        assert 1 <= u.volume <= item.volume_maks and u.cost == u.volume * item.harga_satuan
        assert u.desa.startswith(u.kecamatan + ".") and u.pengusul["nama"] and u.gagasan and u.permasalahan
        assert u.cost_final == u.volume_final * item.harga_satuan


def test_decisions_go_level_by_level_with_reasons(plan):
    for u in plan.usulan:
        if u.withdrawn:
            assert u.decisions == []
            continue
        levels = [level for level, _ in u.decisions]
        assert levels == ["desa", "kecamatan"][:len(levels)] and levels  # no kabupaten level: Forum PD decides
        for i, (level, d) in enumerate(u.decisions):
            assert d.status == DITERIMA or d.reason, (u.n, level)
            if i + 1 < len(u.decisions):
                assert d.status in ACCEPTED  # the next level decides only after an acceptance
            if d.revised_volume is not None:
                assert 1 <= d.revised_volume
        last = u.decisions[-1][1]
        assert last.status not in ACCEPTED or levels[-1] == "kecamatan"


def test_the_kecamatan_forum_accepts_the_best_ranked_and_merges_into_accepted_ones(plan):
    weights = {name: Decimal(w) for name, w, _ in plan.criteria}
    by_n = {u.n: u for u in plan.usulan}
    for kec, _ in plan.kecamatan:
        ranked = [u for u in plan.usulan if u.kecamatan == kec and u.kecamatan_decision]
        assert all(u.scores and set(u.scores) == set(weights) for u in ranked)
        total = {u.n: sum(weights[k] * v for k, v in u.scores.items()) for u in ranked}
        accepted = [u for u in ranked if u.kecamatan_decision.status in ACCEPTED]
        others = [u for u in ranked if u.kecamatan_decision.status not in ACCEPTED]
        assert accepted, kec
        assert min(total[u.n] for u in accepted) >= max((total[u.n] for u in others), default=0)
        for u in others:
            d = u.kecamatan_decision
            assert d.status in (DITOLAK, DIGABUNG) and d.reason
            if d.status == DIGABUNG:
                target = by_n[d.merge_into]
                assert target.kecamatan == kec and target.kamus == u.kamus
                assert target.kecamatan_decision.status in ACCEPTED


def test_pokir_stay_inside_the_members_dapil_and_pagu(reference, plan):
    dapil = {d.kode: set(d.kecamatan) for d in reference.dapil}
    member = {a.id: a for a in reference.anggota}
    spent = defaultdict(int)
    reses = {r.key: r for r in plan.reses}
    for p in plan.pokir:
        assert p.kecamatan in dapil[member[p.anggota_id].dapil], p.n
        assert p.desa.startswith(p.kecamatan + ".")
        assert reses[p.reses].anggota_id == p.anggota_id
        assert p.author in (plan.anggota_user(p.anggota_id), f"staf.s{p.anggota_id[1:].lower()}")
        item = plan.kamus_item(p.kamus)
        assert p.cost == p.volume * item.harga_satuan and 1 <= p.volume <= item.volume_maks
        spent[p.anggota_id] += p.cost
        if p.overlaps is not None:
            u = plan.usulan[p.overlaps - 1]
            assert (u.desa, u.kamus, u.gagasan) == (p.desa, p.kamus, p.usulan) and not u.withdrawn
    assert all(spent[a] <= member[a].pagu for a in spent)


def test_every_routed_item_gets_an_opd_decision_into_a_fitting_row(plan):
    rows = {r.key: r for r in plan.rows}
    opds = {o.kode: o for o in plan.opds}
    creators = Counter()
    items = [("musrenbang", u) for u in plan.routed_usulan()] + [("pokir", p) for p in plan.layak_pokir()]
    assert all(u.follow_up is None for u in plan.usulan if not u.routed)
    assert all(p.follow_up is None for p in plan.pokir if not p.layak)  # tidak_layak: no OPD sees it
    for kind, x in items:
        first = x.follow_up
        item = plan.kamus_item(x.kamus)
        assert first.opd == item.opd
        if first.decision == REROUTE:
            assert first.reason and first.to_opd != first.opd and first.then.opd == first.to_opd
            assert ".".join(item.sub_kegiatan.split(".")[:2]) in opds[first.to_opd].bidang
            assert first.then.decision in (ACCOMMODATE, REJECT)
        final = first.final
        if final.decision == REJECT:
            assert final.reason
        else:
            row = rows[final.row]
            assert (row.opd, row.sub_kegiatan) == (final.opd, item.sub_kegiatan)
            assert (kind, x.n) in row.sources
            creators[row.key] += final.new_row
            # what the accommodation adds: the row made from it, added to it, or covered by a drafted row
            assert final.mode == ("baris_baru" if final.new_row else "tambah" if row.via_inbox else "sudah_tercakup")
    for row in plan.rows:
        assert creators[row.key] == (1 if row.via_inbox else 0)
        if row.via_inbox:  # made by its first item, then grown by each later one up to the row as planned
            volume, pagu_n, desa = row.first
            added = [plan.usulan[n - 1] if kind == "musrenbang" else plan.pokir[n - 1] for kind, n in row.sources[1:]]
            assert volume + sum((x.volume_final if isinstance(x, type(plan.usulan[0])) else x.volume)
                                for x in added) == row.target
            assert pagu_n + sum((x.cost_final if isinstance(x, type(plan.usulan[0])) else x.cost)
                                for x in added) == row.pagu_n
            assert desa in row.lokasi
    assert Counter(kind for kind, x in items if x.follow_up.decision == REROUTE)  # a re-route happens


def test_renja_rows_use_real_codes_of_their_opd_and_fit_the_ceilings(plan):
    opds = {o.kode: o for o in plan.opds}
    ceilings = {c.opd: c for c in plan.ceilings}
    seen = set()
    for row in plan.rows:
        assert sub_kegiatan_error(row.sub_kegiatan, PEMDA) is None, row
        assert ".".join(row.sub_kegiatan.split(".")[:2]) in opds[row.opd].bidang
        assert (row.opd, row.sub_kegiatan) not in seen  # one row per sub-kegiatan and OPD
        seen.add((row.opd, row.sub_kegiatan))
        assert row.target > 0 and row.pagu_n > 0 and row.pagu_n1 >= row.pagu_n and row.lokasi
        assert all(code.startswith(PEMDA + ".") for code in row.lokasi) and len(row.lokasi) <= 500
        if row.sources:  # the pagu covers what it accommodates
            costs = sum(plan.usulan[n - 1].cost_final if kind == "musrenbang" else plan.pokir[n - 1].cost
                        for kind, n in row.sources)
            assert row.pagu_n >= costs
    for opd in plan.opds:
        total_n, total_n1 = plan.rows_total(opd.kode)
        assert total_n > 0, opd.kode  # every OPD of the register has a renja to submit
        assert total_n <= ceilings[opd.kode].pagu_n and total_n1 <= ceilings[opd.kode].pagu_n1
    assert set(plan.returned) <= set(opds) and all(plan.returned.values())


def test_final_statuses_are_what_the_rkpd_annex_shows(plan):
    statuses = Counter(u.status_akhir for u in plan.usulan)
    assert set(statuses) <= {"ditarik", "ditolak", "digabung", "diakomodasi", "tidak diakomodasi"}
    assert statuses["ditarik"] == sum(u.withdrawn for u in plan.usulan) > 0
    assert statuses["diakomodasi"] + statuses["tidak diakomodasi"] == len(plan.routed_usulan())
    assert {p.status_akhir for p in plan.pokir} == {"diakomodasi", "tidak diakomodasi"}
    assert all(p.status_akhir == "tidak diakomodasi" for p in plan.pokir if not p.layak)
    assert plan.inbox_count() == len(plan.routed_usulan()) + len(plan.layak_pokir()) + sum(
        1 for x in plan.routed_usulan() + plan.layak_pokir() if x.follow_up.decision == REROUTE)


def test_bappedas_review_finds_duplicates_and_matters_outside_the_authority(plan):
    refused = [p for p in plan.pokir if not p.layak]
    assert refused and len(refused) < len(plan.pokir) / 2
    for p in refused:
        k = p.kajian
        assert p.catatan_kajian and (k["duplikat_usulan"] is not None or not k["kewenangan"])
        if k["duplikat_usulan"] is not None:
            assert k["duplikat_usulan"] == p.overlaps  # the usulan it repeats (Pokir flags it as an overlap)
    assert all(p.kajian == {"kewenangan": True, "sesuai_prioritas": True, "duplikat_usulan": None,
                            "biaya_wajar": True} for p in plan.pokir if p.layak)


def test_the_kamus_csv_is_the_import_format(plan):
    from eplanning_common.reference import parse_kamus_csv

    rows, errors = parse_kamus_csv(plan.kamus_csv(), PEMDA)
    assert errors == [] and len(rows) == len(plan.kamus)
    assert {r["kode"] for r in rows} == {k.kode for k in plan.kamus}
