"""The DPRD register of one pemda for one term (periode "2024-2029"): dapil, anggota, staf ahli.

Rules checked by `validate_register` (all problems reported, each on its row):
* dapil: kode and nama required, kode unique; at least one kecamatan; every kecamatan is a
  known kecamatan of the pemda; a kecamatan belongs to one dapil only (and is listed once);
* anggota: id, nama, fraksi, dapil required; id unique; the dapil exists; pagu, when given,
  is a rupiah amount > 0 (the member's ceiling per plan year);
* staf ahli: id, nama, anggota_id required; id unique; linked to an existing anggota.
Cross references use every key present in the files, so one bad row does not cascade into
"unknown dapil/anggota" errors elsewhere.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable, Sequence, TypeVar

from .errors import FieldError, RowError, ValidationError
from .regions import RegionDirectory, is_within

FILE_DAPIL = "dapil"
FILE_ANGGOTA = "anggota"
FILE_STAF_AHLI = "staf_ahli"
FIRST_DATA_ROW = 2  # line 1 of each file is the header
TERM_YEARS = 5
_PERIODE = re.compile(r"^([0-9]{4})-([0-9]{4})$")


@dataclass(frozen=True)
class Dapil:
    kode: str
    nama: str
    kecamatan: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "kecamatan", tuple(self.kecamatan))


@dataclass(frozen=True)
class Anggota:
    """A DPRD member. `telepon`/`email` are contact data: never public."""

    id: str
    nama: str
    fraksi: str
    dapil: str
    pagu: Decimal | None = None
    telepon: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class StafAhli:
    """A member's expert staff. Never shown publicly (name nor contact)."""

    id: str
    nama: str
    anggota_id: str
    telepon: str | None = None


def periode_errors(periode: object) -> list[FieldError]:
    match = _PERIODE.match(periode) if isinstance(periode, str) else None
    if match is None or int(match.group(2)) - int(match.group(1)) != TERM_YEARS:
        return [FieldError("periode", f"Periode harus berbentuk TTTT-TTTT dengan masa jabatan "
                                      f"{TERM_YEARS} tahun, contoh 2024-2029", "invalid")]
    return []


@dataclass(frozen=True)
class DprdRegister:
    pemda: str
    periode: str
    dapil: tuple[Dapil, ...] = ()
    anggota: tuple[Anggota, ...] = ()
    staf_ahli: tuple[StafAhli, ...] = ()
    _dapil: dict = field(init=False, repr=False, compare=False)
    _anggota: dict = field(init=False, repr=False, compare=False)
    _staf: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if periode_errors(self.periode):
            raise ValueError(f"Periode tidak valid: {self.periode!r}")
        for name in ("dapil", "anggota", "staf_ahli"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "_dapil", {d.kode: d for d in self.dapil})
        object.__setattr__(self, "_anggota", {a.id: a for a in self.anggota})
        object.__setattr__(self, "_staf", {s.id: s for s in self.staf_ahli})

    def find_dapil(self, kode: str) -> Dapil | None:
        return self._dapil.get(kode)

    def find_anggota(self, anggota_id: str) -> Anggota | None:
        return self._anggota.get(anggota_id)

    def find_staf_ahli(self, staf_id: str) -> StafAhli | None:
        return self._staf.get(staf_id)

    def dapil_of(self, anggota_id: str) -> Dapil | None:
        anggota = self.find_anggota(anggota_id)
        return self.find_dapil(anggota.dapil) if anggota else None

    def staf_ahli_of(self, anggota_id: str) -> tuple[StafAhli, ...]:
        return tuple(s for s in self.staf_ahli if s.anggota_id == anggota_id)


T = TypeVar("T")


def _blank(value: object) -> bool:
    return value is None or not str(value).strip()


def _numbered(items: Sequence[T], first_row: int) -> list[tuple[int, T]]:
    return [(first_row + i, item) for i, item in enumerate(items)]


def _unique(file: str, rows: Iterable[tuple[int, str]], label: str) -> list[RowError]:
    seen: dict[str, int] = {}
    errors = []
    for row, key in rows:
        if _blank(key):
            continue
        if key in seen:
            errors.append(RowError(file, row, "id" if file != FILE_DAPIL else "kode",
                                   f"{label} {key} sudah dipakai di baris {seen[key]}",
                                   "duplicate"))
        else:
            seen[key] = row
    return errors


def _required(file: str, row: int, values: dict[str, object], labels: dict[str, str]
              ) -> list[RowError]:
    return [RowError(file, row, name, f"{labels[name]} wajib diisi", "required")
            for name, value in values.items() if _blank(value)]


def dapil_row_errors(rows: list[tuple[int, Dapil]], pemda: str,
                     regions: RegionDirectory) -> list[RowError]:
    errors = _unique(FILE_DAPIL, ((r, d.kode) for r, d in rows), "Kode dapil")
    owner: dict[str, tuple[str, int]] = {}
    for row, dapil in rows:
        errors += _required(FILE_DAPIL, row, {"kode": dapil.kode, "nama": dapil.nama},
                            {"kode": "Kode dapil", "nama": "Nama dapil"})
        if not dapil.kecamatan:
            errors.append(RowError(FILE_DAPIL, row, "kecamatan",
                                   f"Dapil {dapil.kode} belum punya kecamatan", "required"))
        for kecamatan in dapil.kecamatan:
            if not is_within(kecamatan, pemda):
                errors.append(RowError(FILE_DAPIL, row, "kecamatan",
                                       f"Kecamatan {kecamatan} bukan wilayah pemda {pemda}",
                                       "out_of_scope"))
            elif not regions.is_kecamatan(kecamatan):
                errors.append(RowError(FILE_DAPIL, row, "kecamatan",
                                       f"Kecamatan {kecamatan} tidak dikenal", "unknown"))
            elif kecamatan in owner:
                other, other_row = owner[kecamatan]
                where = ("sudah disebut di dapil ini" if other == dapil.kode and other_row == row
                         else f"sudah masuk dapil {other} (baris {other_row})")
                errors.append(RowError(FILE_DAPIL, row, "kecamatan",
                                       f"Kecamatan {kecamatan} {where}", "kecamatan_in_two_dapil"))
            else:
                owner[kecamatan] = (dapil.kode, row)
    return errors


def anggota_row_errors(rows: list[tuple[int, Anggota]], dapil_kode: set[str]) -> list[RowError]:
    errors = _unique(FILE_ANGGOTA, ((r, a.id) for r, a in rows), "ID anggota")
    labels = {"id": "ID anggota", "nama": "Nama anggota", "fraksi": "Fraksi", "dapil": "Dapil"}
    for row, anggota in rows:
        errors += _required(FILE_ANGGOTA, row, {"id": anggota.id, "nama": anggota.nama,
                                                "fraksi": anggota.fraksi,
                                                "dapil": anggota.dapil}, labels)
        if not _blank(anggota.dapil) and anggota.dapil not in dapil_kode:
            errors.append(RowError(FILE_ANGGOTA, row, "dapil",
                                   f"Dapil {anggota.dapil} tidak ada dalam daftar dapil",
                                   "unknown_dapil"))
        if anggota.pagu is not None and Decimal(anggota.pagu) <= 0:
            errors.append(RowError(FILE_ANGGOTA, row, "pagu", "Pagu anggota harus lebih dari 0",
                                   "not_positive"))
    return errors


def staf_row_errors(rows: list[tuple[int, StafAhli]], anggota_ids: set[str]) -> list[RowError]:
    errors = _unique(FILE_STAF_AHLI, ((r, s.id) for r, s in rows), "ID staf ahli")
    labels = {"id": "ID staf ahli", "nama": "Nama staf ahli", "anggota_id": "Anggota"}
    for row, staf in rows:
        errors += _required(FILE_STAF_AHLI, row, {"id": staf.id, "nama": staf.nama,
                                                  "anggota_id": staf.anggota_id}, labels)
        if not _blank(staf.anggota_id) and staf.anggota_id not in anggota_ids:
            errors.append(RowError(FILE_STAF_AHLI, row, "anggota_id",
                                   f"Anggota {staf.anggota_id} tidak ada dalam daftar anggota",
                                   "unknown_anggota"))
    return errors


def validate_register(register: DprdRegister, regions: RegionDirectory, *,
                      first_row: int = FIRST_DATA_ROW) -> list[RowError]:
    """Every problem of `register`; row numbers as if each tuple were a CSV file."""
    return (dapil_row_errors(_numbered(register.dapil, first_row), register.pemda, regions)
            + anggota_row_errors(_numbered(register.anggota, first_row),
                                 {d.kode for d in register.dapil})
            + staf_row_errors(_numbered(register.staf_ahli, first_row),
                              {a.id for a in register.anggota}))


def check_register(register: DprdRegister, regions: RegionDirectory) -> DprdRegister:
    """`register` if valid; else ValidationError with one FieldError per problem
    (field "<file>.<row>.<field>")."""
    problems = validate_register(register, regions)
    if problems:
        raise ValidationError(FieldError(f"{p.file}.{p.row}.{p.field}", p.message, p.code)
                              for p in problems)
    return register
