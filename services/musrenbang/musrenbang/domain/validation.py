"""Creating an usulan from client input, with field-level errors (all of them, not the first).

The client sends no price and no cost: cost = volume x harga_satuan of the kamus item.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from eplanning_common.domainkit.text import LINE, MULTILINE, text_field_errors

from .errors import FieldError, ValidationError
from .kamus import KamusItem, KamusLookup, volume_errors  # noqa: F401 (re-exported)
from .money import compute_cost, parse_decimal
from .regions import RegionDirectory, is_within
from .schedule import require_aware
from .tracking import is_valid_tracking_code
from .usulan import Pengusul, Usulan

MAX_TEXT = 2000
MAX_ALAMAT = 500


@dataclass(frozen=True)
class UsulanInput:
    """What a client may send to create an usulan (raw values, validated here)."""

    desa: str | None
    kamus_item_id: str | None
    volume: object
    permasalahan: str | None
    gagasan: str | None
    lat: object = None
    lon: object = None
    alamat: str | None = None
    pengusul: Pengusul | None = None


@dataclass(frozen=True)
class OperatorScope:
    """The territory of the acting operator: a kecamatan operator sets `kecamatan`, a desa
    operator sets `desa` (and may set `kecamatan`); Bappeda sets neither."""

    pemda: str
    kecamatan: str | None = None
    desa: str | None = None


def _text_errors(value: str | None, field: str, label: str, required: bool,
                 limit: int, kind: str = LINE) -> tuple[str | None, list[FieldError]]:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        return None, [FieldError(field, f"{label} harus berupa teks", "invalid")]
    refused = text_field_errors(text, field, label, kind)  # domainkit.text: what no output can hold
    if refused:
        return None, refused
    if not text:
        return None, ([FieldError(field, f"{label} wajib diisi", "required")] if required else [])
    if len(text) > limit:
        return None, [FieldError(field, f"{label} paling banyak {limit} karakter", "too_long")]
    return text, []


def _desa_errors(desa: str | None, scope: OperatorScope,
                 regions: RegionDirectory) -> tuple[str | None, list[FieldError]]:
    if not desa or not str(desa).strip():
        return None, [FieldError("desa", "Desa wajib diisi", "required")]
    desa = str(desa).strip()
    kecamatan = regions.kecamatan_of(desa)
    if kecamatan is None:
        return None, [FieldError("desa", f"Desa {desa} tidak dikenal", "unknown")]
    if not is_within(desa, scope.pemda):
        return None, [FieldError("desa", f"Desa {desa} bukan wilayah pemda {scope.pemda}",
                                 "out_of_scope")]
    if scope.kecamatan is not None and kecamatan != scope.kecamatan:
        return None, [FieldError("desa", f"Desa {desa} bukan wilayah kecamatan {scope.kecamatan}",
                                 "out_of_scope")]
    if scope.desa is not None and desa != scope.desa:
        return None, [FieldError("desa", f"Desa {desa} bukan desa Anda ({scope.desa})",
                                 "out_of_scope")]
    return desa, []


def _kamus_errors(item_id: str | None, tahun: int, pemda: str,
                  kamus: KamusLookup) -> tuple[KamusItem | None, list[FieldError]]:
    field = "kamus_item_id"
    if not item_id:
        return None, [FieldError(field, "Item kamus usulan wajib dipilih", "required")]
    item = kamus.get(item_id)
    if item is None:
        return None, [FieldError(field, f"Item kamus usulan {item_id} tidak dikenal", "unknown")]
    errors = []
    if item.tahun != tahun:
        errors.append(FieldError(field, f"Item kamus usulan berlaku untuk tahun {item.tahun}, "
                                        f"bukan tahun {tahun}", "wrong_year"))
    if item.pemda != pemda:
        errors.append(FieldError(field, f"Item kamus usulan milik pemda {item.pemda}, "
                                        f"bukan pemda {pemda}", "wrong_pemda"))
    return item, errors


def _coordinate_errors(lat: object, lon: object
                       ) -> tuple[tuple[Decimal | None, Decimal | None], list[FieldError]]:
    if lat is None and lon is None:
        return (None, None), []
    errors: list[FieldError] = []
    values: list[Decimal | None] = []
    for field, raw, label, bound in (("lat", lat, "Lintang", 90), ("lon", lon, "Bujur", 180)):
        if raw is None:
            errors.append(FieldError(field, "Lintang dan bujur harus diisi bersama", "required"))
            values.append(None)
            continue
        number = parse_decimal(raw)
        if number is None:
            errors.append(FieldError(field, f"{label} harus berupa angka", "invalid"))
        elif not -bound <= number <= bound:
            errors.append(FieldError(field, f"{label} harus di antara -{bound} dan {bound}",
                                     "out_of_range"))
            number = None
        values.append(number)
    return (values[0], values[1]), errors


@dataclass(frozen=True)
class ValidUsulan:
    """Input that passed validation, with the resolved kamus item and computed cost."""

    kecamatan: str
    desa: str
    kamus_item: KamusItem
    volume: Decimal
    cost: Decimal
    permasalahan: str
    gagasan: str
    alamat: str | None
    lat: Decimal | None
    lon: Decimal | None
    pengusul: Pengusul | None


def validate_usulan(data: UsulanInput, *, tahun: int, scope: OperatorScope,
                    regions: RegionDirectory, kamus: KamusLookup) -> ValidUsulan:
    """Check every field; raise ValidationError listing ALL problems."""
    errors: list[FieldError] = []
    desa, found = _desa_errors(data.desa, scope, regions)
    errors += found
    item, found = _kamus_errors(data.kamus_item_id, tahun, scope.pemda, kamus)
    errors += found
    volume, found = volume_errors(data.volume, item)
    errors += found
    permasalahan, found = _text_errors(data.permasalahan, "permasalahan", "Permasalahan",
                                       True, MAX_TEXT, MULTILINE)
    errors += found
    gagasan, found = _text_errors(data.gagasan, "gagasan", "Usulan/gagasan", True, MAX_TEXT, MULTILINE)
    errors += found
    alamat, found = _text_errors(data.alamat, "alamat", "Alamat", False, MAX_ALAMAT)
    errors += found
    (lat, lon), found = _coordinate_errors(data.lat, data.lon)
    errors += found
    if errors or desa is None or item is None or volume is None:
        raise ValidationError(errors)
    return ValidUsulan(
        kecamatan=regions.kecamatan_of(desa) or "", desa=desa, kamus_item=item, volume=volume,
        cost=compute_cost(volume, item.harga_satuan), permasalahan=permasalahan or "",
        gagasan=gagasan or "", alamat=alamat, lat=lat, lon=lon, pengusul=data.pengusul)


def new_usulan(data: UsulanInput, *, usulan_id: str, tracking_code: str, tahun: int,
               scope: OperatorScope, regions: RegionDirectory, kamus: KamusLookup,
               by: str, at: datetime) -> Usulan:
    """A validated draft usulan. The service supplies the id and a fresh tracking code
    (see tracking.generate_tracking_code) and retries on a tracking-code collision."""
    if not is_valid_tracking_code(tracking_code):
        raise ValueError(f"Kode lacak tidak valid: {tracking_code!r}")
    valid = validate_usulan(data, tahun=tahun, scope=scope, regions=regions, kamus=kamus)
    return Usulan(
        id=usulan_id, tracking_code=tracking_code, tahun=tahun, pemda=scope.pemda,
        kecamatan=valid.kecamatan, desa=valid.desa, kamus_item=valid.kamus_item,
        volume=valid.volume, cost=valid.cost, permasalahan=valid.permasalahan,
        gagasan=valid.gagasan, created_by=by, created_at=require_aware(at),
        alamat=valid.alamat, lat=valid.lat, lon=valid.lon, pengusul=valid.pengusul)
