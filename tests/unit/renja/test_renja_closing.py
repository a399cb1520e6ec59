import hashlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renja.domain import (Blocker, RenjaStatus, build_manifest, close_blockers,
                          new_renja, reject)

from renja_builders import (DIKES, OPD_DIKES, OPD_PERKIM, OPD_PU, OPERATOR_PU, PEMDA, PERKIM,
                            PU, TAHUN, at, item, make_row)

S = RenjaStatus


def test_blockers_list_exactly_what_blocks_per_opd():
    waiting = [item("usulan-2"), item("usulan-1"), item("pokir-1", source="pokir",
                                                        opd=OPD_PERKIM)]
    decided, _ = reject(item("usulan-3"), actor=OPERATOR_PU, reason="x", at=at(4, 1))
    statuses = {OPD_PU: S.FINAL, OPD_DIKES: new_renja(pemda=PEMDA, opd=OPD_DIKES, tahun=TAHUN)}
    blockers = close_blockers([PU, DIKES, PERKIM], statuses, waiting + [decided])
    assert [(b.kind, b.opd) for b in blockers] == [
        ("renja_not_final", OPD_DIKES),
        ("inbox_pending", OPD_PU),
        ("renja_not_final", OPD_PERKIM),
        ("inbox_pending", OPD_PERKIM)]
    assert blockers[0].detail == f"Renja OPD {OPD_DIKES} belum final (status: Draf)"
    assert blockers[1].ids == tuple(sorted([waiting[0].id, waiting[1].id]))
    assert decided.id not in blockers[1].ids
    assert blockers[1].detail.startswith("2 usulan/pokir di kotak masuk")
    assert blockers[3].as_dict()["ids"] == [waiting[2].id]


def test_nothing_blocks_when_every_opd_is_final_and_every_item_decided():
    decided, _ = reject(item(), actor=OPERATOR_PU, reason="x", at=at(4, 1))
    assert close_blockers([OPD_PU, OPD_DIKES], {OPD_PU: "final", OPD_DIKES: S.FINAL},
                          [decided]) == []
    assert close_blockers([OPD_PU], {OPD_PU: S.DIVERIFIKASI}, []) == [
        Blocker("renja_not_final", OPD_PU,
                f"Renja OPD {OPD_PU} belum final (status: Diverifikasi Bappeda)")]


ROWS = [make_row("b", "200", "10", sub_kegiatan="1.03.10.2.01.0028", target="12.50"),
        make_row("a", "100.5", "0", opd=OPD_DIKES, sub_kegiatan="1.02.02.2.01.0014",
                 target="3"),
        make_row("c", "300", "40", sub_kegiatan="1.03.02.2.01.0001", target="1")]


def test_manifest_counts_totals_and_digest():
    manifest = build_manifest(ROWS, pemda=PEMDA, tahun=TAHUN)
    assert manifest.rows == 3
    assert manifest.totals == {
        OPD_DIKES: {"total_n": Decimal("100.50"), "total_n1": Decimal("0.00"), "rows": 1},
        OPD_PU: {"total_n": Decimal("500.00"), "total_n1": Decimal("50.00"), "rows": 2}}
    assert (manifest.total_n, manifest.total_n1) == (Decimal("600.50"), Decimal("50.00"))
    expected = (
        '[{"id":"a","opd":"1.02.0.00.0.00.01.0000","pagu_n":"100.50","pagu_n1":"0.00",'
        '"sub_kegiatan":"1.02.02.2.01.0014","target":"3"},'
        '{"id":"b","opd":"1.03.0.00.0.00.01.0000","pagu_n":"200.00","pagu_n1":"10.00",'
        '"sub_kegiatan":"1.03.10.2.01.0028","target":"12.5"},'
        '{"id":"c","opd":"1.03.0.00.0.00.01.0000","pagu_n":"300.00","pagu_n1":"40.00",'
        '"sub_kegiatan":"1.03.02.2.01.0001","target":"1"}]')
    assert manifest.digest == hashlib.sha256(expected.encode()).hexdigest()
    as_dict = manifest.as_dict()
    assert as_dict["total_n"] == "600.50" and as_dict["digest_algorithm"] == "sha256"
    assert as_dict["totals"][OPD_DIKES] == {"total_n": "100.50", "total_n1": "0.00", "rows": 1}


def test_manifest_digest_changes_with_content_and_refuses_bad_input():
    base = build_manifest(ROWS, pemda=PEMDA, tahun=TAHUN).digest
    changed = [ROWS[0], ROWS[1], make_row("c", "300.01", "40",
                                          sub_kegiatan="1.03.02.2.01.0001", target="1")]
    assert build_manifest(changed, pemda=PEMDA, tahun=TAHUN).digest != base
    assert build_manifest([], pemda=PEMDA, tahun=TAHUN).digest == hashlib.sha256(
        b"[]").hexdigest()
    with pytest.raises(ValueError):
        build_manifest(ROWS + [ROWS[0]], pemda=PEMDA, tahun=TAHUN)
    with pytest.raises(ValueError):
        build_manifest([make_row("z", tahun=TAHUN + 1)], pemda=PEMDA, tahun=TAHUN)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([OPD_PU, OPD_DIKES, OPD_PERKIM]),
                          st.decimals(min_value=0, max_value=Decimal("9999999999.99"),
                                      places=2),
                          st.decimals(min_value=0, max_value=Decimal("9999999999.99"),
                                      places=2)),
                max_size=20),
       st.randoms(use_true_random=False))
def test_manifest_is_independent_of_row_order(values, random):
    rows = [make_row(f"row-{i}", str(n), str(n1), opd=opd) for i, (opd, n, n1)
            in enumerate(values)]
    shuffled = rows[:]
    random.shuffle(shuffled)
    first = build_manifest(rows, pemda=PEMDA, tahun=TAHUN)
    second = build_manifest(shuffled, pemda=PEMDA, tahun=TAHUN)
    assert first == second
    assert first.total_n == sum((n for _, n, _ in values), Decimal(0))
    assert sum(t["rows"] for t in first.totals.values()) == len(rows)
    assert sum((t["total_n1"] for t in first.totals.values()), Decimal(0)) == first.total_n1
