"""The RKPD workbook: planners' layout of Tabel V, money as numbers that add up, annex sheets."""
from datetime import datetime
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest

from rkpd.render.model import build_view
from rkpd.render.xlsx import LAMPIRAN_FIRST_DATA_ROW, TABEL_V_FIRST_DATA_ROW, write_xlsx

CENT = Decimal("0.01")


def _money(value) -> Decimal:
    assert isinstance(value, (int, float)) and not isinstance(value, bool), value
    return Decimal(str(value)).quantize(CENT)


@pytest.fixture(scope="module")
def workbook(rendered):
    out, _ = rendered
    return openpyxl.load_workbook(out / "rkpd.xlsx")


def test_sheets(workbook):
    assert workbook.sheetnames[:4] == ["Tabel V", "Lampiran Usulan", "Lampiran Pokir", "Ringkasan"]


def test_tabel_v_title_and_multi_row_header(workbook, document):
    ws = workbook["Tabel V"]
    assert "2027" in ws["A1"].value
    assert "PADANG LAWAS" in ws["A2"].value and "12.21" in ws["A2"].value
    assert "rancangan awal" in ws["A3"].value
    merged = {str(r) for r in ws.merged_cells.ranges}
    # the groups span their sub-columns; the single columns span both header rows
    assert {"D6:G6", "H6:I6", "K6:L6", "A6:A7", "B6:B7", "C6:C7", "J6:J7", "M6:M7", "N6:N7"} <= merged
    assert ws["A6"].value == "Kode"
    assert ws["B6"].value == "Urusan/Bidang Urusan/Program/Kegiatan/Sub Kegiatan"
    assert ws["D6"].value == "Rencana Tahun 2027"
    assert [ws.cell(7, c).value for c in range(4, 8)] == ["Lokasi", "Target", "Pagu Indikatif (Rp)", "Sumber Dana"]
    assert ws["H6"].value == "Prioritas" and (ws["H7"].value, ws["I7"].value) == ("Nasional", "Daerah")
    assert ws["K6"].value == "Prakiraan Maju Tahun 2028"
    assert ws["M6"].value == "Diatribusikan ke Usulan/Pokir (Rp)"
    assert ws["N6"].value == "Perangkat Daerah Penanggung Jawab"
    assert ws["A8"].value == "(1)" and ws["N8"].value == "(14)"
    assert ws.freeze_panes == f"C{TABEL_V_FIRST_DATA_ROW}"
    assert ws.column_dimensions["B"].width > ws.column_dimensions["E"].width


def test_leaf_money_cells_sum_to_grand_total(workbook, document):
    ws = workbook["Tabel V"]
    baris = document["tabel_v"]["baris"]
    rows = list(ws.iter_rows(min_row=TABEL_V_FIRST_DATA_ROW, values_only=True))
    assert len(rows) == len(baris) + 1  # + JUMLAH
    leaf_n = leaf_n1 = Decimal(0)
    for src, row in zip(baris, rows):
        assert row[0] == src["kode"]
        assert _money(row[5]) == Decimal(src["pagu_n"])  # parents too: numbers, not text
        if src["tingkat"] == "sub_kegiatan":
            leaf_n += _money(row[5])
            leaf_n1 += _money(row[11])
    assert leaf_n == Decimal(document["grand_total"]["pagu_n"])
    assert leaf_n1 == Decimal(document["grand_total"]["pagu_n1"])
    total = rows[-1]
    assert total[0] == "JUMLAH"
    assert _money(total[5]) == Decimal(document["grand_total"]["pagu_n"])
    assert _money(total[11]) == Decimal(document["grand_total"]["pagu_n1"])
    last = ws.max_row
    assert f"A{last}:E{last}" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.cell(TABEL_V_FIRST_DATA_ROW, 6).number_format == "#,##0.00"
    assert ws.cell(last, 6).number_format == "#,##0.00"


def test_bold_indent_and_outline_per_tingkat(workbook, document):
    ws = workbook["Tabel V"]
    baris = document["tabel_v"]["baris"]
    seen = set()
    for i, src in enumerate(baris):
        r = TABEL_V_FIRST_DATA_ROW + i
        uraian = ws.cell(r, 2)
        level = ["opd", "urusan", "bidang", "program", "kegiatan", "sub_kegiatan"].index(src["tingkat"])
        assert uraian.alignment.indent == level
        assert bool(uraian.font.b) == (level <= 3)
        assert (ws.row_dimensions[r].outlineLevel or 0) == level
        seen.add(src["tingkat"])
    assert len(seen) == 6
    sub = next(i for i, s in enumerate(baris) if s["tingkat"] == "sub_kegiatan")
    r = TABEL_V_FIRST_DATA_ROW + sub
    assert ws.cell(r, 4).value == "Sosa" or ws.cell(r, 4).value  # lokasi shown by name when known
    assert ws.cell(r, 5).value.endswith("unit")


def test_annex_and_summary_sheets(workbook, document):
    ws = workbook["Lampiran Usulan"]
    assert ws.freeze_panes == f"A{LAMPIRAN_FIRST_DATA_ROW}"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "G4:H4" in merged and ws["G4"].value == "Biaya (Rp)"
    codes = [row[1] for row in ws.iter_rows(min_row=LAMPIRAN_FIRST_DATA_ROW, values_only=True)][:-1]
    assert codes == [u["tracking_code"] for u in document["lampiran"]["usulan"]]
    assert ws.cell(LAMPIRAN_FIRST_DATA_ROW, 7).number_format == "#,##0.00"
    assert ws.auto_filter.ref

    ws = workbook["Lampiran Pokir"]
    rows = list(ws.iter_rows(min_row=LAMPIRAN_FIRST_DATA_ROW, values_only=True))
    assert len(rows) == len(document["lampiran"]["pokir"]) + 1
    total = sum(Decimal(p["cost"]) for p in document["lampiran"]["pokir"])
    assert _money(rows[-1][6]) == total

    values = {c for row in workbook["Ringkasan"].iter_rows(values_only=True) for c in row if c is not None}
    for k in document["ringkasan"]["per_kecamatan"]:
        assert k["nama"] in values
    for o in document["ringkasan"]["per_opd"]:
        assert o["nama"] in values


def test_same_document_same_bytes(document):
    view = build_view(document)
    first, second = BytesIO(), BytesIO()
    write_xlsx(view, first)
    write_xlsx(build_view(document), second)
    assert first.getvalue() == second.getvalue()
    wb = openpyxl.load_workbook(BytesIO(first.getvalue()))
    assert wb.properties.created == wb.properties.modified == datetime(2026, 1, 1)


def test_tolerates_a_sparse_document():
    doc = {
        "tahun": "2027",
        "pemda_nama": "Kabupaten Uji",
        "tabel_v": {
            "baris": [
                {"tingkat": "program", "kode": "1.01.01", "uraian": "Program", "pagu_n": "10.00"},
                {"tingkat": "sub_kegiatan", "kode": "1.01.01.2.01.0001", "pagu_n": "bukan angka", "lokasi": "12.21.01"},
                "not a row",
            ]
        },
        "lampiran": {"usulan": [{"gagasan": "Jalan"}], "pokir": None},
        "unknown": {"ignored": True},
    }
    buf = BytesIO()
    write_xlsx(build_view(doc), buf)
    ws = openpyxl.load_workbook(BytesIO(buf.getvalue()))["Tabel V"]
    leaf = [c.value for c in ws[TABEL_V_FIRST_DATA_ROW + 1]]
    assert leaf[0] == "1.01.01.2.01.0001"
    assert leaf[1] == "-" and leaf[2] == "-" and leaf[5] == "-"  # missing text and bad money
    assert leaf[3] == "12.21.01"
    total = [c.value for c in ws[TABEL_V_FIRST_DATA_ROW + 2]]
    assert total[0] == "JUMLAH" and total[5] == 0  # no grand total given: the leaves' sum
