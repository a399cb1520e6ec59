import time

from pokir.domain import (OVERLAP_THRESHOLD, PokirStatus, UsulanRef, find_overlaps,
                          normalize_text)
from pokir_builders import DESA_A, DESA_B, DRAINASE, at_status, draft

POKIR = draft("p-1", judul="Rabat beton jalan Dusun II",
              usulan="Pembangunan rabat beton jalan Dusun II Pasar Sibuhuan")


def ref(usulan_id="u-1", *, desa=DESA_A, kode="JLN-01",
        text="Rabat beton jalan Dusun II", status="submitted"):
    return UsulanRef(usulan_id, f"TRK{usulan_id[-1]}-CODE", desa, kode, text, status)


def test_same_desa_same_kamus_similar_text_is_an_overlap():
    [pair] = find_overlaps([POKIR], [ref()])
    assert (pair.pokir_id, pair.usulan_id, pair.tracking_code) == ("p-1", "u-1", "TRK1-CODE")
    assert pair.score == 1.0  # judul matches the usulan text exactly
    assert pair.reason == ("Desa dan item kamus sama dengan usulan Musrenbang TRK1-CODE; "
                           "kemiripan teks 1,00")


def test_different_desa_or_kamus_code_is_not_flagged_even_with_equal_text():
    assert find_overlaps([POKIR], [ref(desa=DESA_B), ref(kode=DRAINASE.kode)]) == []


def test_dissimilar_text_is_not_flagged():
    assert find_overlaps([POKIR], [ref(text="Perbaikan jembatan gantung Sungai Barumun")]) == []


def test_threshold_boundary_and_stop_words():
    # tokens {rabat, beton, jalan, dusun, ii} vs {rabat, beton, jalan, lingkungan, sekolah}:
    # 3 / 7 < 0.5;  vs {rabat, beton, jalan, dusun}: 4 / 5 >= 0.5 ("di", "ke" are stop words)
    assert find_overlaps([POKIR], [ref(text="Rabat beton jalan lingkungan sekolah")]) == []
    [pair] = find_overlaps([POKIR], [ref(text="Rabat beton di jalan ke Dusun")])
    assert pair.score == 0.8
    assert OVERLAP_THRESHOLD == 0.5
    assert find_overlaps([POKIR], [ref(text="Rabat beton jalan lingkungan sekolah")],
                         threshold=0.4)


def test_normalization_ignores_case_accents_and_punctuation():
    assert normalize_text("  RABAT-Béton, jalan!! ") == "rabat beton jalan"
    assert find_overlaps([POKIR], [ref(text="RABAT-BÉTON JALAN, dusun II.")])[0].score == 1.0


def test_withdrawn_usulan_and_withdrawn_pokir_are_ignored():
    assert find_overlaps([POKIR], [ref(status="withdrawn"), ref("u-2", status="Ditarik")]) == []
    assert find_overlaps([at_status(POKIR, PokirStatus.DITARIK)], [ref()]) == []
    assert len(find_overlaps([POKIR], [ref(status="ditolak")])) == 1


def test_pairs_sorted_best_first_then_ids():
    other = draft("p-0", judul="Jalan", usulan="Rabat beton jalan Dusun II dan parit")
    pairs = find_overlaps([POKIR, other], [ref("u-2"), ref("u-1", text="Rabat beton jalan")])
    assert [(p.pokir_id, p.usulan_id) for p in pairs] == [
        ("p-1", "u-2"), ("p-0", "u-2"), ("p-1", "u-1"), ("p-0", "u-1")]
    assert [p.score for p in pairs] == sorted((p.score for p in pairs), reverse=True)


def test_grouping_keeps_large_inputs_fast():
    pokirs = [POKIR] * 1  # one pokir in desa A / JLN-01
    refs = [ref(f"u-{i}", desa=f"12.21.01.{3000 + i}") for i in range(20000)] + [ref("u-x")]
    started = time.perf_counter()
    pairs = find_overlaps(pokirs * 300, refs)
    assert len(pairs) == 300
    assert time.perf_counter() - started < 2.0
