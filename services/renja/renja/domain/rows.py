"""Renja rows: one per OPD, plan year and sub-kegiatan, validated from client input.

`validate_row` collects every field problem and raises one ValidationError:
* `sub_kegiatan`: required, concrete code (`invalid`), in the pinned nomenclature
  (`unknown_code`), inside the OPD's bidang (`outside_bidang`), not already planned by
  another row of the OPD that year (`duplicate`);
* `indikator`, `satuan`: default to the nomenclature's when left empty; required after that;
* `target`: a number > 0 (at most 3 decimals); `pagu_n`, `pagu_n1`: rupiah >= 0, at most
  2 decimals, floats refused (`invalid`, `negative`);
* `lokasi`: the whole kabupaten/kota, kecamatan codes (`12.21.01`) or desa codes
  (`12.21.01.2001`) inside the pemda (`outside_pemda`, checked by prefix and by the injected
  `in_pemda`), see lokasi.py; `pagu_n` not below what accommodated items are attributed
  (`below_attributed`, see akomodasi.py);
* `sumber_dana`, `kelompok_sasaran`: required text; priority tags optional (each once);
* ceiling: no Pagu for the OPD and year -> `pagu_n` / `no_ceiling`; the OPD's other rows +
  this one above the ceiling -> `pagu_n` (`pagu_n1`) / `above_ceiling` (see pagu.py).

`sumber` and `akomodasi` (the usulan/pokir a row accommodates, and what each brought) are not
client input: inbox decisions add them and an edit keeps them (the service passes the stored row's).
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Callable, Iterable, Mapping, Sequence

from .akomodasi import Akomodasi, below_attributed_error
from .errors import FieldError, TransitionRefused, ValidationError, raise_if_any
from .lokasi import DESA_PATTERN, KECAMATAN_PATTERN, MAX_LOKASI, lokasi_field  # noqa: F401
from .money import ZERO, quantity_field, rupiah_field
from .nomenclature import NomenclatureLookup, sub_kegiatan_errors
from .opd import Opd
from .pagu import Pagu, ceiling_errors, no_ceiling_error
from .texts import text_field, text_field_errors

SOURCES = frozenset({"musrenbang", "pokir"})
MAX_TAGS = 20
MAX_TAG = 200


@dataclass(frozen=True)
class SourceRef:
    """An usulan (musrenbang) or pokir that a renja row accommodates."""

    source: str
    source_id: str

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"Sumber {self.source!r} harus salah satu dari {sorted(SOURCES)}")
        if not isinstance(self.source_id, str) or not self.source_id.strip():
            raise ValueError("source_id wajib diisi")


@dataclass(frozen=True)
class RenjaRow:
    id: str
    opd: str
    tahun: int
    sub_kegiatan: str
    indikator: str
    target: Decimal
    satuan: str
    pagu_n: Decimal
    pagu_n1: Decimal
    lokasi: tuple[str, ...]
    sumber_dana: str
    prioritas_nasional: tuple[str, ...] = ()
    prioritas_daerah: tuple[str, ...] = ()
    kelompok_sasaran: str = ""
    sumber: tuple[SourceRef, ...] = ()
    cakupan: str = ""  # kabupaten | kecamatan | desa ("": stored before cakupan, see lokasi.inferred_cakupan)
    akomodasi: tuple[Akomodasi, ...] = ()  # what each accommodated usulan/pokir brought (akomodasi.py)


@dataclass(frozen=True)
class RowInput:
    """What a client may send to create or edit a renja row (raw values, validated here)."""

    sub_kegiatan: object = None
    target: object = None
    pagu_n: object = None
    pagu_n1: object = None
    lokasi: object = ()
    sumber_dana: object = None
    kelompok_sasaran: object = None
    indikator: object = None
    satuan: object = None
    prioritas_nasional: object = ()
    prioritas_daerah: object = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> "RowInput":
        """From a decoded JSON object; unknown fields are refused (no mass assignment)."""
        allowed = {f.name for f in fields(cls)}
        unknown = sorted(str(k) for k in data if k not in allowed)
        if unknown:
            raise ValidationError(FieldError(k, f"Kolom {k!r} tidak dikenal", "unknown_field")
                                  for k in unknown)
        return cls(**{k: v for k, v in data.items()})


def _tags(raw: object, field: str, label: str) -> tuple[tuple[str, ...] | None,
                                                       list[FieldError]]:
    if raw is None:
        return (), []
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, (list, tuple)) or not all(isinstance(v, str) for v in raw):
        return None, [FieldError(field, f"{label} harus berupa daftar teks", "invalid")]
    refused = [e for i, v in enumerate(raw) for e in text_field_errors(v, f"{field}[{i}]", label)]
    if refused:
        return None, refused
    tags = tuple(dict.fromkeys(v.strip() for v in raw if v.strip()))
    if len(tags) > MAX_TAGS:
        return None, [FieldError(field, f"{label} paling banyak {MAX_TAGS} butir", "too_many")]
    if any(len(t) > MAX_TAG for t in tags):
        return None, [FieldError(field, f"Setiap {label.lower()} paling banyak {MAX_TAG} "
                                        "karakter", "too_long")]
    return tags, []


def _check_context(row_id: str, opd: Opd, tahun: int, other_rows: Iterable[RenjaRow],
                   pagu: Pagu | None) -> list[RenjaRow]:
    """Programming errors of the caller (not user input) raise ValueError."""
    if not isinstance(row_id, str) or not row_id.strip():
        raise ValueError("row_id wajib diisi oleh service")
    if pagu is not None and (pagu.opd, pagu.tahun) != (opd.kode, tahun):
        raise ValueError(f"Pagu untuk OPD {pagu.opd} tahun {pagu.tahun}, bukan {opd.kode} "
                         f"tahun {tahun}")
    others: list[RenjaRow] = []
    seen: set[str] = set()
    for row in other_rows:
        if (row.opd, row.tahun) != (opd.kode, tahun):
            raise ValueError(f"Baris {row.id} bukan milik OPD {opd.kode} tahun {tahun}")
        if row.id in seen:
            raise ValueError(f"Baris Renja ganda: {row.id}")
        seen.add(row.id)
        if row.id != row_id:
            others.append(row)
    return others


def validate_row(data: RowInput | Mapping[str, object], *, row_id: str, opd: Opd, tahun: int,
                 pemda: str, nomenclature: NomenclatureLookup,
                 in_pemda: Callable[[str], bool], other_rows: Iterable[RenjaRow],
                 pagu: Pagu | None, sumber: Sequence[SourceRef] = (),
                 akomodasi: Sequence[Akomodasi] = ()) -> RenjaRow:
    """The RenjaRow `row_id` of `opd` for `tahun` from client `data`, or ValidationError with
    every problem. `other_rows`: the OPD's rows of that year (the edited row itself, if
    present, is ignored). Authorization and the renja status are checked by the caller first
    (`authorize(..., Action.EDIT_ROWS, ...)`, `ensure_rows_editable`)."""
    if not isinstance(data, RowInput):
        data = RowInput.from_mapping(data)
    others = _check_context(row_id, opd, tahun, other_rows, pagu)
    errors: list[FieldError] = []

    kode, found = text_field(data.sub_kegiatan, "sub_kegiatan", "Kode sub kegiatan",
                             max_len=40)
    errors += found
    sub = None
    if kode is not None:
        sub, found = sub_kegiatan_errors(kode, opd.bidang, nomenclature, opd.kode)
        errors += found
        twin = next((r for r in others if r.sub_kegiatan == kode), None)
        if twin is not None:
            errors.append(FieldError("sub_kegiatan", f"Sub kegiatan {kode} sudah ada di Renja "
                                                     f"OPD ini (baris {twin.id}); ubah baris "
                                                     "itu", "duplicate"))

    indikator, found = text_field(data.indikator, "indikator", "Indikator", required=False,
                                  max_len=1000)
    errors += found
    if not found and indikator is None:
        indikator = sub.indikator if sub is not None else None
        if not indikator:
            errors.append(FieldError("indikator", "Indikator wajib diisi", "required"))
    satuan, found = text_field(data.satuan, "satuan", "Satuan", required=False, max_len=100)
    errors += found
    if not found and satuan is None:
        satuan = sub.satuan if sub is not None else None
        if not satuan:
            errors.append(FieldError("satuan", "Satuan wajib diisi", "required"))

    target, found = quantity_field(data.target, "target", "Target")
    errors += found
    pagu_n, found = rupiah_field(data.pagu_n, "pagu_n", "Pagu indikatif tahun N")
    errors += found
    pagu_n1, found = rupiah_field(data.pagu_n1, "pagu_n1", "Pagu indikatif tahun N+1")
    errors += found
    place, found = lokasi_field(data.lokasi, pemda=pemda, in_pemda=in_pemda)
    errors += found
    cakupan, lokasi = place if place is not None else ("", None)
    if pagu_n is not None:
        found = below_attributed_error(pagu_n, akomodasi)
        if found is not None:
            errors.append(found)
    sumber_dana, found = text_field(data.sumber_dana, "sumber_dana", "Sumber dana",
                                    max_len=200)
    errors += found
    kelompok, found = text_field(data.kelompok_sasaran, "kelompok_sasaran",
                                 "Kelompok sasaran", max_len=1000)
    errors += found
    nasional, found = _tags(data.prioritas_nasional, "prioritas_nasional", "Prioritas nasional")
    errors += found
    daerah, found = _tags(data.prioritas_daerah, "prioritas_daerah", "Prioritas daerah")
    errors += found

    if pagu is None:
        errors.append(no_ceiling_error(opd.kode, tahun))
    else:
        total_n = None if pagu_n is None else sum((r.pagu_n for r in others), ZERO) + pagu_n
        total_n1 = None if pagu_n1 is None else sum((r.pagu_n1 for r in others), ZERO) + pagu_n1
        errors += ceiling_errors(pagu, total_n, total_n1)

    raise_if_any(errors)
    return RenjaRow(row_id, opd.kode, tahun, kode, indikator, target, satuan, pagu_n, pagu_n1,
                    lokasi, sumber_dana, nasional, daerah, kelompok,
                    tuple(dict.fromkeys(sumber)), cakupan, tuple(akomodasi))


def attach_source(row: RenjaRow, ref: SourceRef) -> RenjaRow:
    """The row with `ref` among its sources (unchanged if already there)."""
    if ref in row.sumber:
        return row
    return replace(row, sumber=row.sumber + (ref,))


def ensure_row_removable(row: RenjaRow) -> None:
    """A row that accommodates usulan/pokir cannot be deleted: their decisions point to it."""
    if row.sumber:
        ids = ", ".join(f"{r.source} {r.source_id}" for r in row.sumber)
        raise TransitionRefused(f"Baris Renja {row.id} mengakomodasi {ids}; baris ini tidak "
                                "dapat dihapus", code="row_has_sources")


ROW_FIELDS = tuple(f.name for f in fields(RenjaRow) if f.name != "id")


def row_diff(before: RenjaRow, after: RenjaRow) -> dict[str, tuple[object, object]]:
    """{field: (before, after)} for every field that differs (id excluded)."""
    return {name: (getattr(before, name), getattr(after, name)) for name in ROW_FIELDS
            if getattr(before, name) != getattr(after, name)}
