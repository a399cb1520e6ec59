"""What "accommodated" means: an usulan or pokir taken into a renja row says what it adds.

Three modes (`mode`):
* `baris_baru` — a new row made for the item (prefilled from it: sub kegiatan, volume as target,
  cost as pagu N, its desa as location). The row's location must include the item's desa and its
  target be at least the item's volume; the item's cost is attributable to the row.
* `tambah` — into an existing row, which grows by what the item brings: target + volume,
  pagu N + cost, location + the item's desa (its kecamatan for a kecamatan row; nothing for a
  whole-kabupaten row). The cost is attributable.
* `sudah_tercakup` — the existing row already covers the item: accepted only when the row's
  location includes the item's desa (`lokasi` / `not_covered`) and the row's target is at least
  the item's volume (`volume` / `not_covered`); the row does not change, the item's cost (or the
  amount the OPD states) is attributable.

Every row keeps its `akomodasi` list (kind, source_id, tracking code, mode, volume, attributable
money). The invariant, exact in Decimal: the total attributable of a row never exceeds its pagu N.
Accommodating refuses it on `cost` (`above_row_pagu`), editing a row on `pagu_n`
(`below_attributed`), both naming the amounts.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Iterable

from .errors import FieldError, raise_if_any
from .lokasi import covers, grown
from .money import ZERO, format_rupiah

BARIS_BARU, TAMBAH, SUDAH_TERCAKUP = "baris_baru", "tambah", "sudah_tercakup"
MODES = (BARIS_BARU, TAMBAH, SUDAH_TERCAKUP)
KIND_OF_SOURCE = {"musrenbang": "usulan", "pokir": "pokir"}
MODE_LABELS = {BARIS_BARU: "baris baru", TAMBAH: "menambah baris", SUDAH_TERCAKUP: "sudah tercakup"}


@dataclass(frozen=True)
class Akomodasi:
    """One usulan/pokir accommodated by a row and what it brought or is covered by."""

    kind: str  # "usulan" | "pokir"
    source_id: str
    mode: str
    volume: Decimal
    attributable: Decimal
    tracking_code: str | None = None
    item_id: str | None = None


def attributed(entries: Iterable[Akomodasi]) -> Decimal:
    return sum((a.attributable for a in entries), ZERO)


def below_attributed_error(pagu_n: Decimal, entries: Iterable[Akomodasi]) -> FieldError | None:
    """The refusal of a row whose pagu N is below what its accommodated items are attributed."""
    total = attributed(entries)
    if pagu_n >= total:
        return None
    return FieldError("pagu_n", f"Pagu N {format_rupiah(pagu_n)} lebih kecil dari jumlah yang diatribusikan ke "
                                f"usulan/pokir yang diakomodasi baris ini ({format_rupiah(total)}); kurang "
                                f"{format_rupiah(total - pagu_n)}", "below_attributed")


def _above_row_pagu(pagu_n: Decimal, before: Decimal, amount: Decimal) -> FieldError | None:
    if before + amount <= pagu_n:
        return None
    return FieldError("cost", f"Biaya yang diatribusikan {format_rupiah(amount)} ditambah yang sudah diatribusikan "
                              f"{format_rupiah(before)} melebihi pagu N baris {format_rupiah(pagu_n)}; lebih "
                              f"{format_rupiah(before + amount - pagu_n)}. Pilih 'tambah' agar baris bertambah, "
                              "atau kurangi biaya", "above_row_pagu")


def _entry(item, mode: str, volume: Decimal, amount: Decimal) -> Akomodasi:
    return Akomodasi(KIND_OF_SOURCE[item.source], item.source_id, mode, volume, amount,
                     getattr(item, "tracking_code", None), item.id)


def _ensure_new(row, item) -> list[FieldError]:
    if any(a.source_id == item.source_id and a.kind == KIND_OF_SOURCE[item.source] for a in row.akomodasi):
        return [FieldError("row_id", f"Baris {row.id} sudah mengakomodasi {item.source} {item.source_id}",
                           "already_accommodated")]
    return []


def into_new_row(row, item, *, volume: Decimal, cost: Decimal):
    """`row` (validated, made for `item`) with the item recorded (`baris_baru`)."""
    errors = _ensure_new(row, item)
    if not covers(row.cakupan, row.lokasi, item.lokasi):
        errors.append(FieldError("lokasi", f"Lokasi baris baru tidak mencakup desa {item.lokasi} asal usulan/pokir",
                                 "not_covered"))
    if row.target < volume:
        errors.append(FieldError("target", f"Target baris baru {row.target} lebih kecil dari volume usulan/pokir "
                                           f"{volume}", "not_covered"))
    found = _above_row_pagu(row.pagu_n, attributed(row.akomodasi), cost)
    if found:
        errors.append(found)
    raise_if_any(errors)
    return replace(row, akomodasi=row.akomodasi + (_entry(item, BARIS_BARU, volume, cost),))


def grow_row(row, item, *, volume: Decimal, cost: Decimal):
    """`row` grown by what `item` brings (`tambah`): target, pagu N and location."""
    raise_if_any(_ensure_new(row, item))
    return replace(row, target=row.target + volume, pagu_n=row.pagu_n + cost,
                   lokasi=grown(row.cakupan, row.lokasi, item.lokasi),
                   akomodasi=row.akomodasi + (_entry(item, TAMBAH, volume, cost),))


def covered_by_row(row, item, *, volume: Decimal, cost: Decimal):
    """`row` unchanged but for the item recorded as already covered (`sudah_tercakup`); refused
    field by field when the row's location or volume does not cover it, or its pagu N cannot
    carry the attributable money."""
    errors = _ensure_new(row, item)
    if not covers(row.cakupan, row.lokasi, item.lokasi):
        errors.append(FieldError("lokasi", f"Lokasi baris {row.id} ({row.cakupan or 'daftar'}: "
                                           f"{', '.join(row.lokasi)}) tidak mencakup desa {item.lokasi}; pilih "
                                           "'tambah' atau baris lain", "not_covered"))
    if row.target < volume:
        errors.append(FieldError("volume", f"Target baris {row.target} {row.satuan} lebih kecil dari volume "
                                           f"usulan/pokir {volume}; pilih 'tambah' agar baris bertambah",
                                 "not_covered"))
    found = _above_row_pagu(row.pagu_n, attributed(row.akomodasi), cost)
    if found:
        errors.append(found)
    raise_if_any(errors)
    return replace(row, akomodasi=row.akomodasi + (_entry(item, SUDAH_TERCAKUP, volume, cost),))
