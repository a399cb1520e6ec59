"""Creating and editing a pokir from client input, with field-level errors (all of them).

The client sends no price and no cost: cost = volume x harga_satuan of the kamus item. The
member is the actor's member (`Actor.anggota_id`): a staf ahli always acts for that member.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Sequence

from eplanning_common.domainkit.text import LINE, MULTILINE, text_field_errors

from .access import Action, Actor, authorize
from .deadline import PokirWindow, check_open, require_aware
from .errors import FieldError, Forbidden, TransitionRefused, ValidationError
from .kamus import KamusItem, KamusLookup, volume_errors  # noqa: F401 (re-exported)
from .money import (compute_cost, parse_decimal)
from .pagu import NO_CEILING, PaguPolicy, pagu_error
from .pokir import HistoryEntry, Lampiran, Pokir, PokirStatus
from .regions import RegionDirectory, is_within
from .register import Anggota, Dapil, DprdRegister
from .reses import ResesLookup

MAX_JUDUL = 200
MAX_TEXT = 2000
MAX_ALAMAT = 500
MAX_LAMPIRAN = 10
MAX_LAMPIRAN_BYTES = 10 * 1024 * 1024
LAMPIRAN_MEDIA_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class PokirInput:
    """What a client may send to create or edit a pokir (raw values, validated here)."""

    judul: str | None
    permasalahan: str | None
    usulan: str | None
    kamus_item_id: str | None
    volume: object
    desa: str | None
    reses_id: str | None
    lat: object = None
    lon: object = None
    alamat: str | None = None
    lampiran: Sequence[Lampiran] = ()


@dataclass(frozen=True)
class ValidPokir:
    """Input that passed validation, with resolved kamus item, kecamatan and computed cost."""

    judul: str
    permasalahan: str
    usulan: str
    kamus_item: KamusItem
    volume: Decimal
    cost: Decimal
    kecamatan: str
    desa: str
    reses_id: str
    alamat: str | None
    lat: Decimal | None
    lon: Decimal | None
    lampiran: tuple[Lampiran, ...]


def _text(value: object, field: str, label: str, required: bool,
          limit: int, kind: str = LINE) -> tuple[str | None, list[FieldError]]:
    if value is not None and not isinstance(value, str):
        return None, [FieldError(field, f"{label} harus berupa teks", "invalid")]
    refused = text_field_errors(value, field, label, kind)  # domainkit.text: what no output can hold
    if refused:
        return None, refused
    text = (value or "").strip()
    if not text:
        return None, ([FieldError(field, f"{label} wajib diisi", "required")] if required else [])
    if len(text) > limit:
        return None, [FieldError(field, f"{label} paling banyak {limit} karakter", "too_long")]
    return text, []


def _kamus(item_id: str | None, tahun: int, pemda: str,
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


def _desa(desa: str | None, pemda: str, dapil: Dapil, regions: RegionDirectory
          ) -> tuple[tuple[str, str] | None, list[FieldError]]:
    """(desa, kecamatan) if the desa is known, in the pemda and in the member's dapil."""
    if not isinstance(desa, str) or not desa.strip():
        return None, [FieldError("desa", "Desa wajib diisi", "required")]
    desa = desa.strip()
    kecamatan = regions.kecamatan_of(desa)
    if kecamatan is None:
        return None, [FieldError("desa", f"Desa {desa} tidak dikenal", "unknown")]
    if not is_within(desa, pemda):
        return None, [FieldError("desa", f"Desa {desa} bukan wilayah pemda {pemda}",
                                 "out_of_scope")]
    if kecamatan not in dapil.kecamatan:
        desa_name = regions.name_of(desa) or desa
        kec_name = regions.name_of(kecamatan) or kecamatan
        return None, [FieldError(
            "desa", f"Desa {desa_name} ({desa}) di kecamatan {kec_name} berada di luar dapil "
                    f"{dapil.kode} ({dapil.nama}) anggota", "outside_dapil")]
    return (desa, kecamatan), []


def _reses(reses_id: str | None, anggota_id: str, reses: ResesLookup
           ) -> tuple[str | None, list[FieldError]]:
    if not isinstance(reses_id, str) or not reses_id.strip():
        return None, [FieldError("reses_id", "Reses asal pokir wajib dipilih", "required")]
    found = reses.get(reses_id.strip())
    if found is None:
        return None, [FieldError("reses_id", f"Reses {reses_id} tidak dikenal", "unknown")]
    if found.anggota_id != anggota_id:
        return None, [FieldError("reses_id", f"Reses {reses_id} bukan reses anggota ini",
                                 "not_own_reses")]
    return found.id, []


def _coordinates(lat: object, lon: object
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


def lampiran_errors(items: Sequence[Lampiran]) -> list[FieldError]:
    """At most MAX_LAMPIRAN files; each PDF/JPEG/PNG, 1 byte..10 MiB, named, sha256 hex."""
    items = tuple(items or ())
    if len(items) > MAX_LAMPIRAN:
        return [FieldError("lampiran", f"Lampiran paling banyak {MAX_LAMPIRAN} berkas",
                           "too_many")]
    errors = []
    for i, item in enumerate(items):
        prefix = f"lampiran.{i}"
        name = item.nama_berkas.strip() if isinstance(item.nama_berkas, str) else ""
        refused = text_field_errors(item.nama_berkas, f"{prefix}.nama_berkas", "Nama berkas")
        if refused:
            errors += refused
        elif not name:
            errors.append(FieldError(f"{prefix}.nama_berkas", "Nama berkas wajib diisi",
                                     "required"))
        elif len(name) > 255:
            errors.append(FieldError(f"{prefix}.nama_berkas",
                                     "Nama berkas paling banyak 255 karakter", "too_long"))
        if item.media_type not in LAMPIRAN_MEDIA_TYPES:
            errors.append(FieldError(f"{prefix}.media_type",
                                     "Lampiran harus berupa PDF, JPEG atau PNG", "invalid"))
        size = item.ukuran
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            errors.append(FieldError(f"{prefix}.ukuran", "Ukuran berkas tidak valid", "invalid"))
        elif size > MAX_LAMPIRAN_BYTES:
            errors.append(FieldError(f"{prefix}.ukuran", "Ukuran berkas paling besar 10 MB",
                                     "too_large"))
        if not isinstance(item.sha256, str) or not _SHA256.match(item.sha256):
            errors.append(FieldError(f"{prefix}.sha256",
                                     "Sidik SHA-256 berkas harus 64 karakter heksadesimal",
                                     "invalid"))
    return errors


def validate_pokir(data: PokirInput, *, tahun: int, pemda: str, anggota: Anggota,
                   dapil: Dapil, kamus: KamusLookup, reses: ResesLookup,
                   regions: RegionDirectory, committed: Decimal,
                   pagu: Decimal | None = None) -> ValidPokir:
    """Check every field (and the member's pagu); raise ValidationError listing ALL problems.

    `committed`: the member's other non-withdrawn pokir costs for `tahun`
    (see pagu.committed_cost); `pagu`: the member's ceiling under the year's policy (None: none)."""
    errors: list[FieldError] = []
    judul, found = _text(data.judul, "judul", "Judul", True, MAX_JUDUL)
    errors += found
    permasalahan, found = _text(data.permasalahan, "permasalahan", "Permasalahan", True,
                                MAX_TEXT, MULTILINE)
    errors += found
    usulan, found = _text(data.usulan, "usulan", "Usulan", True, MAX_TEXT, MULTILINE)
    errors += found
    item, found = _kamus(data.kamus_item_id, tahun, pemda, kamus)
    errors += found
    volume, found = volume_errors(data.volume, item)
    errors += found
    location, found = _desa(data.desa, pemda, dapil, regions)
    errors += found
    reses_id, found = _reses(data.reses_id, anggota.id, reses)
    errors += found
    (lat, lon), found = _coordinates(data.lat, data.lon)
    errors += found
    alamat, found = _text(data.alamat, "alamat", "Alamat", False, MAX_ALAMAT)
    errors += found
    errors += lampiran_errors(data.lampiran)
    cost = None
    if item is not None and volume is not None:
        cost = compute_cost(volume, item.harga_satuan)
        overrun = pagu_error(pagu, committed, cost)
        if overrun is not None:
            errors.append(overrun)
    if errors or item is None or volume is None or cost is None or location is None:
        raise ValidationError(errors)
    return ValidPokir(judul=judul or "", permasalahan=permasalahan or "", usulan=usulan or "",
                      kamus_item=item, volume=volume, cost=cost, kecamatan=location[1],
                      desa=location[0], reses_id=reses_id or "", alamat=alamat, lat=lat,
                      lon=lon, lampiran=tuple(data.lampiran or ()))


def ensure_same_cycle(window: PokirWindow, pemda: str, tahun: int) -> None:
    if (window.pemda, window.tahun) != (pemda, tahun):
        raise TransitionRefused(f"Jadwal pokir {window.pemda}/{window.tahun} bukan jadwal "
                                f"pokir {pemda}/{tahun}", code="schedule_mismatch")


def _member(register: DprdRegister, anggota_id: str) -> tuple[Anggota, Dapil]:
    anggota = register.find_anggota(anggota_id)
    dapil = register.find_dapil(anggota.dapil) if anggota else None
    if anggota is None or dapil is None:
        raise Forbidden(f"Anggota DPRD {anggota_id} tidak terdaftar pada periode "
                        f"{register.periode}", code="not_in_register")
    return anggota, dapil


def new_pokir(data: PokirInput, *, pokir_id: str, tahun: int, actor: Actor,
              register: DprdRegister, kamus: KamusLookup, reses: ResesLookup,
              regions: RegionDirectory, window: PokirWindow, committed: Decimal,
              at: datetime, policy: PaguPolicy = NO_CEILING) -> Pokir:
    """A validated draft pokir of the actor's member. Order of checks: authorization
    (Forbidden) -> window (ScheduleClosed) -> fields and pagu (ValidationError)."""
    anggota_id = actor.anggota_id or ""
    authorize(actor, Action.CREATE, register.pemda, anggota_id)
    anggota, dapil = _member(register, anggota_id)
    ensure_same_cycle(window, register.pemda, tahun)
    check_open(window, at)
    valid = validate_pokir(data, tahun=tahun, pemda=register.pemda, anggota=anggota,
                           dapil=dapil, kamus=kamus, reses=reses, regions=regions,
                           committed=committed, pagu=policy.ceiling_for(anggota.pagu))
    entry = HistoryEntry("dibuat", actor.sub, actor.role.value, require_aware(at), None,
                         PokirStatus.DRAFT)
    return Pokir(
        id=pokir_id, tahun=tahun, pemda=register.pemda, anggota_id=anggota.id,
        dapil=dapil.kode, reses_id=valid.reses_id, judul=valid.judul,
        permasalahan=valid.permasalahan, usulan=valid.usulan, kamus_item=valid.kamus_item,
        volume=valid.volume, cost=valid.cost, kecamatan=valid.kecamatan, desa=valid.desa,
        created_by=actor.sub, created_at=at, alamat=valid.alamat, lat=valid.lat,
        lon=valid.lon, lampiran=valid.lampiran, history=(entry,))


def edit_pokir(pokir: Pokir, data: PokirInput, *, actor: Actor, register: DprdRegister,
               kamus: KamusLookup, reses: ResesLookup, regions: RegionDirectory,
               window: PokirWindow, committed: Decimal, at: datetime,
               policy: PaguPolicy = NO_CEILING) -> Pokir:
    """Replace the content of a draft pokir (all fields re-validated, cost recomputed).
    `committed` must exclude this pokir's own current cost."""
    authorize(actor, Action.EDIT, pokir.pemda, pokir.anggota_id)
    anggota, dapil = _member(register, pokir.anggota_id)
    ensure_same_cycle(window, pokir.pemda, pokir.tahun)
    check_open(window, at)
    if pokir.status is not PokirStatus.DRAFT:
        raise TransitionRefused(f"Hanya pokir berstatus draf yang dapat diubah (status "
                                f"sekarang: {pokir.status.label})", code="invalid_status")
    valid = validate_pokir(data, tahun=pokir.tahun, pemda=pokir.pemda, anggota=anggota,
                           dapil=dapil, kamus=kamus, reses=reses, regions=regions,
                           committed=committed, pagu=policy.ceiling_for(anggota.pagu))
    entry = HistoryEntry("diubah", actor.sub, actor.role.value, require_aware(at),
                         PokirStatus.DRAFT, PokirStatus.DRAFT)
    return replace(pokir, dapil=dapil.kode, reses_id=valid.reses_id, judul=valid.judul,
                   permasalahan=valid.permasalahan, usulan=valid.usulan,
                   kamus_item=valid.kamus_item, volume=valid.volume, cost=valid.cost,
                   kecamatan=valid.kecamatan, desa=valid.desa, alamat=valid.alamat,
                   lat=valid.lat, lon=valid.lon, lampiran=valid.lampiran,
                   history=pokir.history + (entry,))
