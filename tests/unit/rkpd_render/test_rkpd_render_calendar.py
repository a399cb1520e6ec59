"""A calendar year's document rendered: the attributable money per Tabel V line, the annex of
accommodated items, the pokir review table and the Perkada, in XLSX, HTML and PDF alike."""
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from rkpd.domain import AkomodasiIn, InMemoryNames, OpdIn, PokirIn, RenjaRowIn, build_document, penetapan_document
from rkpd.render import render_all

PU = "1.03.0.00.0.00.01.0000"
SUB = "1.03.10.2.01.0028"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    row = RenjaRowIn("r1", PU, SUB, "Panjang jalan", Decimal("10"), "km", Decimal("900000000.00"), Decimal("0.00"),
                     ("12.21.07",), "DAU", (), (), "Warga", "kecamatan",
                     (AkomodasiIn("usulan", "u1", "ABCDEFG2", "tambah", Decimal("2"), Decimal("250000000.00")),
                      AkomodasiIn("pokir", "p1", None, "sudah_tercakup", Decimal("1"), Decimal("0.00"))))
    pokir = PokirIn("p1", "H. Ahmad", "Fraksi A", "PALAS-1", "Jalan kebun", "12.21.07", None, PU,
                    Decimal("150000000.00"), "diakomodasi")
    akhir = build_document(
        pemda="12.21", pemda_nama="Kabupaten Padang Lawas", tahun=2027, versi="rancangan akhir", nomor_versi=3,
        rows=[row], opds=[OpdIn(PU, "Dinas PUPR")], names=InMemoryNames({SUB: "Pembangunan Jalan"}), usulan=[],
        pokir=[pokir], narrative=None, inputs_digests={"forum_pd": "f" * 64}, tata_urutan="permendagri_86_2017",
        rancangan_awal={"prioritas": ["Konektivitas jalan desa"], "pagu_indikatif": {}, "pagu_kewilayahan": []},
        kajian_pokir=[{"pokir_id": "p1", "status": "layak", "catatan": "Sesuai RPJMD",
                       "kajian": {"kewenangan": True, "sesuai_prioritas": True, "duplikat_usulan": None,
                                  "biaya_wajar": True}}])
    doc = penetapan_document(akhir, 4, {"nomor": "17 Tahun 2026", "tanggal": "2026-06-30"})
    out = tmp_path_factory.mktemp("calendar")
    render_all(doc, out)
    return {name: (out / name).read_bytes() for name in ("rkpd.xlsx", "rkpd.html", "rkpd.pdf")}


def test_xlsx_has_the_attributable_money_the_annexes_and_the_perkada(files):
    wb = load_workbook(io.BytesIO(files["rkpd.xlsx"]), data_only=True)
    assert {"Akomodasi", "Kajian Pokir"} <= set(wb.sheetnames)
    items = [r for r in wb["Akomodasi"].iter_rows(values_only=True) if r and r[0] in (1, 2)]
    assert [(r[5], r[6], r[7]) for r in items] == [("pokir", "p1", "sudah tercakup"),
                                                   ("usulan", "ABCDEFG2", "menambah baris")]
    assert Decimal(str(items[1][9])) == Decimal("250000000")
    leaf = next(r for r in wb["Tabel V"].iter_rows(values_only=True) if r[0] == SUB)
    assert Decimal(str(leaf[12])) == Decimal("250000000")  # the column "Diatribusikan ke Usulan/Pokir"
    kajian = next(r for r in wb["Kajian Pokir"].iter_rows(values_only=True) if r and r[0] == 1)
    assert kajian[1] == "H. Ahmad" and kajian[6] == "layak" and kajian[7] == "Ya"
    keterangan = {r[0]: r[1] for r in wb["Keterangan"].iter_rows(values_only=True) if r and r[0]}
    assert keterangan["Peraturan Kepala Daerah"] == "Nomor 17 Tahun 2026 tanggal 2026-06-30"
    assert keterangan["Prioritas 1"] == "Konektivitas jalan desa"
    assert keterangan["Tata urutan"] == "Permendagri 86/2017"


def test_html_and_pdf_show_the_same(files):
    html = files["rkpd.html"].decode()
    for text in ("Diatribusikan ke Usulan/Pokir (Rp)", "Usulan dan Pokir yang Diakomodasi", "ABCDEFG2",
                 "sudah tercakup", "Hasil Kajian Bappeda", "Nomor 17 Tahun 2026", "250.000.000"):
        assert text in html, text
    pdf = "".join(page.extract_text() for page in PdfReader(io.BytesIO(files["rkpd.pdf"])).pages)
    for text in ("ABCDEFG2", "Sesuai RPJMD", "17 Tahun 2026"):
        assert text in pdf, text
