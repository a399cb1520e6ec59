"""Kamus usulan: the catalogue that fixes sub-kegiatan, OPD, unit and unit price of a proposal
(an usulan at Musrenbang or a pokir: both use the same catalogue shape)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Mapping, Protocol

from .errors import FieldError
from .money import (VOLUME_LIMIT, VOLUME_PLACES, decimal_places, decimal_text, parse_decimal,
                    to_rupiah)


@dataclass(frozen=True)
class KamusItem:
    """One catalogue row for one plan year of one pemda.

    `id` identifies this row; `kode` is the item code, stable across years (used to find
    duplicates against earlier years and to match pokir with usulan). `volume_maks` is an optional
    ceiling per proposal.
    """

    id: str
    kode: str
    nama: str
    tahun: int
    pemda: str
    sub_kegiatan: str
    opd: str
    satuan: str
    harga_satuan: Decimal
    volume_maks: Decimal | None = None

    def __post_init__(self) -> None:
        price = to_rupiah(self.harga_satuan)
        if price <= 0:
            raise ValueError("Harga satuan harus lebih dari 0")
        object.__setattr__(self, "harga_satuan", price)
        if self.volume_maks is not None:
            ceiling = Decimal(self.volume_maks)
            if ceiling <= 0:
                raise ValueError("Volume maksimal harus lebih dari 0")
            object.__setattr__(self, "volume_maks", ceiling)


class KamusLookup(Protocol):
    """Anything that finds a kamus item by id (a dict satisfies it)."""

    def get(self, item_id: str, /) -> KamusItem | None: ...


def kamus_by_id(items: Iterable[KamusItem]) -> Mapping[str, KamusItem]:
    """A KamusLookup over a list of items."""
    return {item.id: item for item in items}


def volume_errors(raw: object, item: KamusItem | None, field: str = "volume"
                  ) -> tuple[Decimal | None, list[FieldError]]:
    """Parse a volume: a positive number, at most VOLUME_PLACES decimals, within the item ceiling."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, [FieldError(field, "Volume wajib diisi", "required")]
    volume = parse_decimal(raw)
    if volume is None:
        return None, [FieldError(field, "Volume harus berupa angka", "invalid")]
    if volume <= 0:
        return None, [FieldError(field, "Volume harus lebih dari 0", "not_positive")]
    if decimal_places(volume) > VOLUME_PLACES:
        return None, [FieldError(field, f"Volume paling banyak {VOLUME_PLACES} angka desimal",
                                 "too_precise")]
    if volume > VOLUME_LIMIT:
        return None, [FieldError(field, f"Volume paling besar {decimal_text(VOLUME_LIMIT)}",
                                 "above_maximum")]
    if item is not None and item.volume_maks is not None and volume > item.volume_maks:
        return None, [FieldError(
            field, f"Volume melebihi batas maksimal {decimal_text(item.volume_maks)} "
                   f"{item.satuan} untuk item ini", "above_maximum")]
    return volume, []
