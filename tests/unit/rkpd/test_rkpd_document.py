import hashlib
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rkpd.domain import (SCHEMA, Section, canonical_json, content_hash,
                         default_narrative)

from rkpd_builders import (DIGESTS, KEC_1, KEC_2, KEC_10, OPD_DIKES, OPD_PERKIM, OPD_PU, OPDS,
                           PEMDA_NAMA, SK_IRIGASI, SK_JALAN, SK_JALAN_2, SK_PUSKESMAS,
                           SK_RUMAH, TAHUN, document, pokir, row, usulan)


def test_top_level_shape_and_chapters():
    doc = document([row()], [usulan()], [pokir()])
    assert list(doc) == ["schema", "pemda", "pemda_nama", "tahun", "versi", "nomor_versi", "tata_urutan",
                         "inputs", "rancangan_awal", "perkada", "perubahan", "bab", "tabel_v", "lampiran",
                         "ringkasan", "grand_total"]
    assert (doc["tata_urutan"], doc["rancangan_awal"], doc["perkada"], doc["perubahan"]) == ("lama", None, None, None)
    assert (doc["lampiran"]["kajian_pokir"], doc["lampiran"]["forum_pd"], doc["lampiran"]["musrenbang_rkpd"]) == (
        [], [], None)
    assert (doc["schema"], doc["pemda"], doc["pemda_nama"], doc["tahun"], doc["versi"],
            doc["nomor_versi"]) == (SCHEMA, "12.21", PEMDA_NAMA, 2027, "rancangan awal", 1)
    assert doc["inputs"] == DIGESTS
    assert [(b["nomor"], b["judul"]) for b in doc["bab"]] == [
        ("I", "PENDAHULUAN"), ("II", "GAMBARAN UMUM KONDISI DAERAH"),
        ("III", "KERANGKA EKONOMI DAN KEUANGAN DAERAH"),
        ("IV", "SASARAN DAN PRIORITAS PEMBANGUNAN DAERAH"),
        ("V", "RENCANA KERJA DAN PENDANAAN DAERAH"),
        ("VI", "KINERJA PENYELENGGARAAN PEMERINTAHAN DAERAH"), ("VII", "PENUTUP")]
    bab_v = doc["bab"][4]["bagian"]
    assert bab_v == [{"judul": "Rencana Program dan Kegiatan Prioritas Daerah",
                      "jenis": "tabel_v"}]
    kinds = [b["jenis"] for bab in doc["bab"] for b in bab["bagian"]]
    assert kinds.count("tabel_v") == 1
    assert {"ringkasan_per_urusan", "ringkasan_per_opd", "ringkasan_per_kecamatan"} <= set(kinds)
    assert all(b["jenis"] == "narasi" for b in doc["bab"][0]["bagian"])
    assert set(doc["ringkasan"]) == {"per_kecamatan", "per_opd", "per_urusan"}


def test_default_narrative_fills_every_chapter_but_v_in_bahasa_indonesia():
    narrative = default_narrative(PEMDA_NAMA, TAHUN)
    assert sorted(narrative) == [1, 2, 3, 4, 6, 7]
    assert all(narrative[c] and all(isinstance(s, Section) and s.teks for s in narrative[c])
               for c in narrative)
    assert f"RKPD) {PEMDA_NAMA} Tahun {TAHUN}" in narrative[1][0].teks
    assert "Permendagri" in narrative[1][1].teks or "Menteri Dalam Negeri" in narrative[1][1].teks
    doc = document()
    assert doc["bab"][0]["bagian"][0]["judul"] == "Latar Belakang"
    assert [b["jenis"] for b in doc["bab"][6]["bagian"]] == ["narasi"]


def test_narrative_keeps_the_order_given_accepts_roman_keys_and_normalises_line_ends():
    doc = document(narrative={"v": [("Pengantar", "Tabel berikut.\r\nBaris dua")],
                              1: [Section("Kedua", "b"), Section("Pertama", "a")]})
    assert doc["bab"][0]["bagian"] == [{"judul": "Kedua", "jenis": "narasi", "teks": "b"},
                                       {"judul": "Pertama", "jenis": "narasi", "teks": "a"}]
    assert doc["bab"][4]["bagian"][0] == {"judul": "Pengantar", "jenis": "narasi",
                                          "teks": "Tabel berikut.\nBaris dua"}
    assert doc["bab"][4]["bagian"][1]["jenis"] == "tabel_v"
    assert doc["bab"][1]["bagian"] == []     # chapter II not given: no narrative section
    with pytest.raises(ValueError):
        document(narrative={8: []})
    with pytest.raises(ValueError):
        document(narrative={1: [], "I": []})


def test_content_hash_is_sha256_of_canonical_json_with_no_floats():
    doc = document([row("r1", pagu_n="0.10")], [usulan()], [pokir()],
                   narrative={1: [Section("Latar Belakang", "Rp1,5 miliar — Padang Lawas")]})
    expected = hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":"),
                                         ensure_ascii=False).encode("utf-8")).hexdigest()
    assert content_hash(doc) == expected
    assert "—".encode() in canonical_json(doc)      # ensure_ascii=False
    assert json.loads(canonical_json(doc)) == doc    # JSON-ready as is: no Decimal, no float
    with pytest.raises(TypeError):
        content_hash({"x": 1.5})


def test_the_same_inputs_give_the_same_document_and_any_change_changes_the_hash():
    first = document([row("r1")], [usulan()], [pokir()])
    again = document([row("r1")], [usulan()], [pokir()])
    assert first == again and content_hash(first) == content_hash(again)
    assert content_hash(document([row("r1", pagu_n="1000000.01")], [usulan()], [pokir()])) \
        != content_hash(first)
    assert content_hash(document([row("r1")], [usulan()], [pokir()], nomor_versi=2)) \
        != content_hash(first)


@pytest.mark.parametrize("kw", [
    dict(digests={"musrenbang": "a", "pokir": "b"}),
    dict(digests={**DIGESTS, "extra": "x"}),
    dict(digests={**DIGESTS, "renja": " "}),
    dict(versi="final"),
    dict(nomor_versi=0),
])
def test_document_parameters_are_checked(kw):
    with pytest.raises(ValueError):
        document([row()], **kw)


# ---- determinism under any order of the inputs -------------------------------------------

CODES = [(OPD_PU, SK_JALAN), (OPD_PU, SK_JALAN_2), (OPD_PU, SK_IRIGASI),
         (OPD_DIKES, SK_PUSKESMAS), (OPD_PERKIM, SK_RUMAH), (OPD_PU, "1.03.9.2.01.0001")]
MONEY = st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False,
                    allow_infinity=False)

row_specs = st.lists(st.tuples(st.sampled_from(CODES), MONEY, MONEY,
                               st.lists(st.sampled_from([KEC_1, KEC_2, KEC_10]), max_size=3)),
                     max_size=12)
usulan_specs = st.lists(st.tuples(st.sampled_from([KEC_1, KEC_2, KEC_10]),
                                  st.sampled_from(["2001", "2002", "1010"]),
                                  st.sampled_from(["diterima", "ditolak", "digabung",
                                                   "diterima dengan perubahan"]),
                                  st.sampled_from(["diakomodasi", "ditolak", None]), MONEY),
                        max_size=10)
pokir_specs = st.lists(st.tuples(st.sampled_from(["Dapil 1", "Dapil 2"]),
                                 st.sampled_from(["Ani", "Budi"]),
                                 st.sampled_from(["diakomodasi", "tidak diakomodasi"])),
                       max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), rows=row_specs, usulans=usulan_specs, pokirs=pokir_specs)
def test_any_permutation_of_the_inputs_gives_the_same_content_hash(data, rows, usulans, pokirs):
    renja = [row(f"r{i}", opd, sk, str(n), str(n1), lokasi=tuple(lok))
             for i, ((opd, sk), n, n1, lok) in enumerate(rows)]
    # tracking codes may repeat inside a desa: ties are broken by id
    us = [usulan(f"u{i}", kec, f"{kec}.{desa}", status, keputusan, str(cost),
                 tracking_code="TRK-SAMA")
          for i, (kec, desa, status, keputusan, cost) in enumerate(usulans)]
    ps = [pokir(f"p{i}", anggota, dapil, status) for i, (dapil, anggota, status)
          in enumerate(pokirs)]
    base = document(renja, us, ps)
    shuffled = document(data.draw(st.permutations(renja)), data.draw(st.permutations(us)),
                        data.draw(st.permutations(ps)),
                        opds=tuple(data.draw(st.permutations(OPDS))))
    assert content_hash(shuffled) == content_hash(base)
    assert Decimal(base["grand_total"]["pagu_n"]) == sum((n for _, n, _, _ in rows),
                                                         Decimal("0"))
