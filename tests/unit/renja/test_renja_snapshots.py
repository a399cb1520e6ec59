from decimal import Decimal

import pytest

from renja.domain import Forbidden, ValidationError, compare, take_snapshot

from renja_builders import (BAPPEDA, DESA_A, KEC_1, OPD_DIKES, OPD_PU, OPERATOR_DIKES,
                            OPERATOR_PU, PEMDA, TAHUN, at, make_row)

ROWS_A = [make_row("row-2", "300"), make_row("row-1", "100"), make_row("row-3", "50")]
ROWS_B = [make_row("row-1", "100"), make_row("row-2", "350", lokasi=(KEC_1, DESA_A)),
          make_row("row-4", "70", "20")]


def snap(nama, rows, actor=OPERATOR_PU, opd=OPD_PU):
    return take_snapshot(nama, actor=actor, pemda=PEMDA, opd=opd, tahun=TAHUN, rows=rows,
                         at=at(4, 1))


def test_snapshot_keeps_rows_sorted_with_who_and_when():
    a = snap("rancangan awal", ROWS_A)
    assert [r.id for r in a.rows] == ["row-1", "row-2", "row-3"]
    assert (a.nama, a.opd, a.tahun, a.taken_at, a.by) == (
        "rancangan awal", OPD_PU, TAHUN, at(4, 1), "sub-pu")
    assert a.total_n == Decimal("450.00")
    assert snap("rancangan akhir", ROWS_A, actor=BAPPEDA).by == "sub-bappeda"


def test_snapshot_name_and_owner_are_checked():
    with pytest.raises(ValidationError) as caught:
        snap("rancangan final", ROWS_A)
    assert caught.value.codes_for("nama") == {"invalid"}
    with pytest.raises(Forbidden):
        snap("rancangan", ROWS_A, actor=OPERATOR_DIKES)
    with pytest.raises(ValueError):
        snap("rancangan", [make_row("row-9", opd=OPD_DIKES)])


def test_compare_lists_added_removed_and_changed_fields_with_totals():
    result = compare(snap("rancangan awal", ROWS_A), snap("rancangan", ROWS_B))
    assert [r.id for r in result.added] == ["row-4"]
    assert [r.id for r in result.removed] == ["row-3"]
    assert result.changed == (("row-2", {"pagu_n": (Decimal("300.00"), Decimal("350.00")),
                                         "lokasi": ((KEC_1,), (KEC_1, DESA_A))}),)
    assert (result.total_n_before, result.total_n_after) == (Decimal("450.00"),
                                                             Decimal("520.00"))
    assert (result.total_n1_before, result.total_n1_after) == (Decimal("3000000000.00"),
                                                               Decimal("2000000020.00"))
    assert not result.unchanged


def test_compare_of_identical_rows_is_unchanged_and_reversal_swaps_added_and_removed():
    a, b = snap("rancangan awal", ROWS_A), snap("rancangan", ROWS_B)
    assert compare(a, snap("rancangan", list(reversed(ROWS_A)))).unchanged
    back = compare(b, a)
    assert [r.id for r in back.added] == ["row-3"] and [r.id for r in back.removed] == ["row-4"]
    assert back.changed[0][1]["pagu_n"] == (Decimal("350.00"), Decimal("300.00"))


def test_only_snapshots_of_the_same_opd_and_year_compare():
    other = snap("rancangan", [make_row("row-1", opd=OPD_DIKES)], actor=OPERATOR_DIKES,
                 opd=OPD_DIKES)
    with pytest.raises(ValueError):
        compare(snap("rancangan", ROWS_A), other)
