"""Import of the DPRD register from three CSV files (already parsed into dicts).

Columns (header names are case-insensitive, surrounding spaces ignored, extra columns ignored):
* dapil:     kode, nama, kecamatan (kecamatan codes separated by ";", "," or spaces)
* anggota:   id, nama, fraksi, dapil, pagu (optional; plain number like 1000000000 or
             1000000000.50, no thousands separator), telepon, email (optional)
* staf_ahli: id, nama, anggota_id, telepon (optional)
All-or-nothing: the register is returned only when there is no error at all.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Iterable, Mapping

from eplanning_common.domainkit.text import text_field_errors

from .errors import RowError, raise_if_any
from .money import to_rupiah
from .regions import RegionDirectory
from .register import (FILE_ANGGOTA, FILE_DAPIL, FILE_STAF_AHLI, FIRST_DATA_ROW, Anggota, Dapil,
                       DprdRegister, StafAhli, anggota_row_errors, dapil_row_errors,
                       periode_errors, staf_row_errors)

_SEPARATORS = re.compile(r"[;,\s]+")


def _normalized(row: Mapping[str, object]) -> dict[str, str]:
    return {str(k).strip().lower(): ("" if v is None else str(v).strip())
            for k, v in row.items() if k is not None}


def _text_errors(file: str, rows: list[tuple[int, Mapping[str, str]]]) -> list[RowError]:
    """The text rule (domainkit.text, one line) on every cell of a file's rows."""
    return [RowError(file, row, e.field, e.message, e.code)
            for row, cells in rows for name, value in cells.items()
            for e in text_field_errors(value, name, name)]


def _optional(value: str) -> str | None:
    return value or None


def _pagu(text: str, row: int) -> tuple[Decimal | None, list[RowError]]:
    if not text:
        return None, []
    try:
        return to_rupiah(text), []
    except ValueError:
        return None, [RowError(FILE_ANGGOTA, row, "pagu",
                               f"Pagu {text!r} tidak valid: tulis angka rupiah tanpa pemisah "
                               "ribuan, contoh 1000000000", "invalid")]


def parse_register_rows(dapil_rows: Iterable[Mapping[str, object]],
                        anggota_rows: Iterable[Mapping[str, object]],
                        staf_rows: Iterable[Mapping[str, object]], *,
                        pemda: str, periode: str, regions: RegionDirectory,
                        first_row: int = FIRST_DATA_ROW
                        ) -> tuple[DprdRegister | None, list[dict[str, object]]]:
    """(register, []) when every row is valid, else (None, errors) where each error is
    {file, row, field, message, code}, ordered by file (dapil, anggota, staf_ahli) then row.
    An invalid `periode` (a form field, not a row) raises ValidationError."""
    raise_if_any(periode_errors(periode))
    errors: list[RowError] = []
    dapil_rows, anggota_rows, staf_rows = list(dapil_rows), list(anggota_rows), list(staf_rows)
    for file, rows in ((FILE_DAPIL, dapil_rows), (FILE_ANGGOTA, anggota_rows), (FILE_STAF_AHLI, staf_rows)):
        errors += _text_errors(file, [(first_row + i, _normalized(raw)) for i, raw in enumerate(rows)])

    dapil = []
    for i, raw in enumerate(dapil_rows):
        cells = _normalized(raw)
        codes = tuple(c for c in _SEPARATORS.split(cells.get("kecamatan", "")) if c)
        dapil.append((first_row + i, Dapil(cells.get("kode", ""), cells.get("nama", ""), codes)))

    anggota = []
    parse_errors: list[RowError] = []
    for i, raw in enumerate(anggota_rows):
        cells, row = _normalized(raw), first_row + i
        pagu, found = _pagu(cells.get("pagu", ""), row)
        parse_errors += found
        anggota.append((row, Anggota(cells.get("id", ""), cells.get("nama", ""),
                                     cells.get("fraksi", ""), cells.get("dapil", ""), pagu,
                                     _optional(cells.get("telepon", "")),
                                     _optional(cells.get("email", "")))))

    staf = []
    for i, raw in enumerate(staf_rows):
        cells = _normalized(raw)
        staf.append((first_row + i, StafAhli(cells.get("id", ""), cells.get("nama", ""),
                                             cells.get("anggota_id", ""),
                                             _optional(cells.get("telepon", "")))))

    errors += dapil_row_errors(dapil, pemda, regions)
    errors += anggota_row_errors(anggota, {d.kode for _, d in dapil if d.kode})
    errors += parse_errors
    errors += staf_row_errors(staf, {a.id for _, a in anggota if a.id})
    order = {FILE_DAPIL: 0, FILE_ANGGOTA: 1, FILE_STAF_AHLI: 2}
    errors.sort(key=lambda e: (order[e.file], e.row))
    if errors:
        return None, [e.as_dict() for e in errors]
    register = DprdRegister(pemda, periode, tuple(d for _, d in dapil),
                            tuple(a for _, a in anggota), tuple(s for _, s in staf))
    return register, []
