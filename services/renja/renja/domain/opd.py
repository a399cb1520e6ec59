"""The OPD register of a pemda: each OPD with the bidang urusan it may plan in.

Import (`parse_opd_rows`) takes the CSV rows as dicts; columns `kode`, `nama`, `bidang`
(header names case-insensitive, surrounding spaces ignored, extra columns ignored); `bidang`
holds one or more bidang codes separated by spaces and/or ";" ("1.03; 1.04" or "1.03 1.04").
Rules: kode required, digits separated by dots (e.g. `1.03.0.00.0.00.01.0000`), unique in the
file; nama required (<= 255); at least one bidang, each of the form N.NN and known in the pinned
nomenclature (`known_bidang`); a bidang repeated in one row is kept once.
All-or-nothing: `(opds, [])` or `([], errors)`, errors being {row, field, message, code}
with `row` = line in the file (header = 1, first data row = 2), ordered by row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Collection, Iterable, Mapping

from eplanning_common.domainkit.text import text_problem

from .errors import RowError
from .nomenclature import is_bidang_code

FIRST_DATA_ROW = 2
MAX_NAMA = 255
OPD_KODE_PATTERN = re.compile(r"^[0-9]+(\.[0-9]+)*$")
_SEPARATORS = re.compile(r"[;\s]+")


@dataclass(frozen=True)
class Opd:
    kode: str
    nama: str
    bidang: tuple[str, ...]

    def plans_in(self, bidang: str) -> bool:
        return bidang in self.bidang


def _cells(row: Mapping[str, object]) -> dict[str, str]:
    return {str(k).strip().lower(): ("" if v is None else str(v).strip())
            for k, v in row.items() if k is not None}


def split_bidang(text: str) -> tuple[str, ...]:
    """Bidang codes from "1.03; 1.04" / "1.03 1.04", in order, each once."""
    return tuple(dict.fromkeys(c for c in _SEPARATORS.split(text or "") if c))


def parse_opd_rows(rows: Iterable[Mapping[str, object]], *, known_bidang: Collection[str],
                   first_row: int = FIRST_DATA_ROW
                   ) -> tuple[list[Opd], list[dict[str, object]]]:
    """(opds, []) when every row is valid, else ([], every error as {row, field, message,
    code})."""
    known = frozenset(known_bidang)
    errors: list[RowError] = []
    opds: list[Opd] = []
    first_seen: dict[str, int] = {}
    for i, raw in enumerate(rows):
        line = first_row + i
        cells = _cells(raw)
        kode, nama = cells.get("kode", ""), cells.get("nama", "")
        bidang = split_bidang(cells.get("bidang", ""))
        if not kode:
            errors.append(RowError(line, "kode", "Kode OPD wajib diisi", "required"))
        elif not OPD_KODE_PATTERN.match(kode):
            errors.append(RowError(line, "kode", f"Kode OPD {kode!r} tidak sah: angka dipisah "
                                                 "titik, contoh 1.03.0.00.0.00.01.0000",
                                   "invalid"))
        elif kode in first_seen:
            errors.append(RowError(line, "kode", f"Kode OPD {kode} ganda (sudah ada di baris "
                                                 f"{first_seen[kode]})", "duplicate"))
        else:
            first_seen[kode] = line
        if text_problem(nama) is not None:  # domainkit.text: one line, nothing no output can hold
            errors.append(RowError(line, "nama", "Nama OPD harus satu baris teks tanpa karakter kontrol "
                                                 "atau U+FFFE/U+FFFF", text_problem(nama)))
        elif not nama:
            errors.append(RowError(line, "nama", "Nama OPD wajib diisi", "required"))
        elif len(nama) > MAX_NAMA:
            errors.append(RowError(line, "nama", f"Nama OPD paling banyak {MAX_NAMA} karakter",
                                   "too_long"))
        if not bidang:
            errors.append(RowError(line, "bidang", "OPD wajib punya paling sedikit satu bidang "
                                                   "urusan, contoh 1.03", "required"))
        for code in bidang:
            if not is_bidang_code(code):
                errors.append(RowError(line, "bidang", f"Kode bidang urusan {code!r} tidak sah "
                                                       "(bentuk N.NN, contoh 1.03)", "invalid"))
            elif code not in known:
                errors.append(RowError(line, "bidang", f"Bidang urusan {code} tidak ada dalam "
                                                       "nomenklatur yang berlaku",
                                       "unknown_bidang"))
        opds.append(Opd(kode, nama, bidang))
    if errors:
        return [], [e.as_dict() for e in errors]
    return opds, []


def opd_codes(opds: Iterable[Opd]) -> frozenset[str]:
    return frozenset(o.kode for o in opds)
