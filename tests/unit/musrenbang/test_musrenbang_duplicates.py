from dataclasses import replace

import pytest

from musrenbang.domain import SIMILARITY_THRESHOLD, find_duplicates, normalize_text, withdraw
from musrenbang.domain.duplicates import similarity
from musrenbang_builders import (DESA_B, DRAINASE, JALAN_2026, at, schedule, submitted)


def test_normalize_indonesian_text():
    assert normalize_text("  Pembangunan  JALAN—Rabat-Beton,  Dusun  II! ") == (
        "pembangunan jalan rabat beton dusun ii")
    assert normalize_text("Perbaikan Musholla Al-Ikhlâs") == "perbaikan musholla al ikhlas"


def test_similarity_is_token_jaccard_without_stopwords():
    assert similarity("Rabat beton jalan Dusun II", "rabat beton JALAN dusun ii.") == 1.0
    assert similarity("Pembangunan jalan rabat beton di Dusun II",
                      "rabat beton jalan dusun II") == pytest.approx(5 / 6)
    assert similarity("Perbaikan drainase dusun I", "Pembangunan jalan dusun I") == pytest.approx(2 / 6)
    assert similarity("", "") == 0.0
    assert SIMILARITY_THRESHOLD == 0.5


def test_flags_same_desa_same_item_similar_text():
    a = submitted("u-1", gagasan="Pembangunan rabat beton jalan Dusun II")
    b = submitted("u-2", gagasan="Rabat beton jalan dusun II")
    (pair,) = find_duplicates([b, a])
    assert (pair.usulan_id, pair.other_id) == ("u-1", "u-2")
    assert pair.score == pytest.approx(0.833, abs=1e-3)
    assert "tahun ini" in pair.reason and "0,83" in pair.reason


def test_not_flagged_when_text_differs_or_group_differs():
    a = submitted("u-1", gagasan="Rabat beton jalan Dusun II")
    different_text = submitted("u-2", gagasan="Pengaspalan jalan lingkar kampung")
    other_desa = submitted("u-3", desa=DESA_B, gagasan="Rabat beton jalan Dusun II")
    other_item = submitted("u-4", kamus_item_id=DRAINASE.id, volume="5",
                           gagasan="Rabat beton jalan Dusun II")
    assert find_duplicates([a, different_text, other_desa, other_item]) == []


def test_flags_against_earlier_years_by_item_code():
    current = submitted("u-1", gagasan="Rabat beton jalan Dusun II")
    last_year = replace(submitted("old-7", gagasan="Rabat beton jalan dusun 2 dan II"),
                        tahun=2026, kamus_item=JALAN_2026)
    (pair,) = find_duplicates([current], earlier=[last_year])
    assert (pair.usulan_id, pair.other_id, pair.other_tahun) == ("u-1", "old-7", 2026)
    assert "tahun 2026" in pair.reason


def test_earlier_years_are_not_compared_among_themselves_and_withdrawn_are_ignored():
    old = [replace(submitted(f"old-{i}", gagasan="Rabat beton jalan"), tahun=2026,
                   kamus_item=JALAN_2026) for i in range(3)]
    assert find_duplicates([], earlier=old) == []
    a = submitted("u-1", gagasan="Rabat beton jalan")
    gone = withdraw(submitted("u-2", gagasan="Rabat beton jalan"), schedule(), by="op",
                    at=at(1, 11))
    assert find_duplicates([a, gone]) == []


def test_results_best_first_and_threshold_adjustable():
    a = submitted("u-1", gagasan="rabat beton jalan dusun ii")
    b = submitted("u-2", gagasan="rabat beton jalan dusun ii")
    c = submitted("u-3", gagasan="rabat beton pasar")  # 2/6 with a and b
    pairs = find_duplicates([c, b, a], threshold=0.3)
    assert [(p.usulan_id, p.other_id) for p in pairs] == [("u-1", "u-2"), ("u-1", "u-3"),
                                                          ("u-2", "u-3")]
    assert pairs[0].score == 1.0
    assert [(p.usulan_id, p.other_id) for p in find_duplicates([c, b, a])] == [("u-1", "u-2")]
