"""The OPD's inbox: every usulan (Musrenbang) and pokir routed to the OPD, and its decision.

* An item's id is deterministic: `inbox_item_id(pemda, source, source_id, opd)` (UUID v5), so
  receiving the same routed usulan/pokir twice is a no-op (`add_to_inbox` returns the inbox
  unchanged and `False`; the service also keeps a unique key on the id).
* Each item is decided once, by an operator of its own OPD (else Forbidden), from `menunggu`
  only (else TransitionRefused `already_decided`):
  - `accommodate` -> `diakomodasi` into a renja row (`row_id`) with its `mode` (baris_baru |
    tambah | sudah_tercakup, akomodasi.py), volume/cost revisable (> 0), default the item's own;
  - `reject` -> `ditolak`, reason required;
  - `reroute` -> `dialihkan` to another OPD of the register, reason required; creates the new
    item for that OPD (status `menunggu`, `previous_opds` + this OPD). The target may be neither
    this OPD nor one the item already passed through (no ping-pong; keeps ids unique).
Check order: Forbidden -> TransitionRefused -> ValidationError.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Collection, Iterable

from .access import Action, Actor, authorize
from .akomodasi import BARIS_BARU, MODES
from .canonical import canonical_json
from .errors import FieldError, TransitionRefused, raise_if_any
from .money import quantity_field, rupiah_field
from .rows import DESA_PATTERN, SOURCES
from .texts import MULTILINE, require_aware, text_field

INBOX_NAMESPACE = uuid.UUID("6f1c2a3e-5b7d-5e0a-9c4b-72656e6a6121")
MAX_REASON = 2000


class InboxStatus(str, Enum):
    MENUNGGU = "menunggu"
    DIAKOMODASI = "diakomodasi"
    DITOLAK = "ditolak"
    DIALIHKAN = "dialihkan"


@dataclass(frozen=True)
class Decision:
    decision: InboxStatus
    reason: str | None
    renja_row_id: str | None
    volume: Decimal | None
    cost: Decimal | None
    rerouted_to: str | None
    decided_at: datetime
    by: str
    mode: str | None = None  # accommodated: baris_baru | tambah | sudah_tercakup (akomodasi.py)


@dataclass(frozen=True)
class InboxItem:
    id: str
    source: str  # "musrenbang" | "pokir"
    source_id: str
    opd: str
    tahun: int
    judul: str
    volume: Decimal
    cost: Decimal
    sub_kegiatan: str | None
    lokasi: str  # desa code
    received_at: datetime
    pemda: str
    status: InboxStatus = InboxStatus.MENUNGGU
    decision: Decision | None = None
    previous_opds: tuple[str, ...] = ()
    tracking_code: str | None = None  # an usulan's public tracking code

    @property
    def pending(self) -> bool:
        return self.status is InboxStatus.MENUNGGU


def inbox_item_id(pemda: str, source: str, source_id: str, opd: str) -> str:
    """Deterministic id of the item of (source, source_id) routed to `opd` of `pemda`."""
    name = canonical_json([pemda, source, source_id, opd]).decode("utf-8")
    return str(uuid.uuid5(INBOX_NAMESPACE, name))


def new_inbox_item(*, pemda: str, source: str, source_id: str, opd: str, tahun: int,
                   judul: object, volume: object, cost: object, sub_kegiatan: str | None,
                   lokasi: str, received_at: datetime,
                   previous_opds: tuple[str, ...] = (), tracking_code: str | None = None) -> InboxItem:
    """An item as received from a routing event (validated: the event may be malformed)."""
    require_aware(received_at, "received_at")
    errors: list[FieldError] = []
    if source not in SOURCES:
        errors.append(FieldError("source", f"Sumber {source!r} harus musrenbang atau pokir",
                                 "invalid"))
    if not isinstance(source_id, str) or not source_id.strip():
        errors.append(FieldError("source_id", "Id usulan/pokir wajib diisi", "required"))
    if not isinstance(opd, str) or not opd.strip():
        errors.append(FieldError("opd", "OPD tujuan wajib diisi", "required"))
    title, found = text_field(judul, "judul", "Judul", max_len=500, kind=MULTILINE)  # an usulan's gagasan
    errors += found
    vol, found = quantity_field(volume, "volume", "Volume")
    errors += found
    amount, found = rupiah_field(cost, "cost", "Biaya")
    errors += found
    if not isinstance(lokasi, str) or not DESA_PATTERN.match(lokasi) \
            or not lokasi.startswith(pemda + "."):
        errors.append(FieldError("lokasi", f"Lokasi {lokasi!r} bukan kode desa di pemda {pemda}",
                                 "invalid"))
    raise_if_any(errors)
    return InboxItem(inbox_item_id(pemda, source, source_id, opd), source, source_id, opd,
                     tahun, title, vol, amount, sub_kegiatan, lokasi, received_at, pemda,
                     previous_opds=tuple(previous_opds),
                     tracking_code=tracking_code if isinstance(tracking_code, str) and tracking_code else None)


def add_to_inbox(items: Iterable[InboxItem], item: InboxItem
                 ) -> tuple[tuple[InboxItem, ...], bool]:
    """(inbox with `item`, True), or (inbox unchanged, False) when its id is already there."""
    current = tuple(items)
    if any(existing.id == item.id for existing in current):
        return current, False
    return current + (item,), True


def pending_items(items: Iterable[InboxItem]) -> tuple[InboxItem, ...]:
    return tuple(i for i in items if i.pending)


def _begin(item: InboxItem, actor: Actor, at: datetime) -> None:
    authorize(actor, Action.DECIDE_INBOX, pemda=item.pemda, opd=item.opd)
    require_aware(at, "at")
    if not item.pending:
        raise TransitionRefused(f"Usulan/pokir {item.source_id} sudah diputuskan (status: "
                                f"{item.status.value}); keputusan tidak dapat diulang",
                                code="already_decided")


def _decide(item: InboxItem, status: InboxStatus, actor: Actor, at: datetime, *,
            reason: str | None = None, row_id: str | None = None,
            volume: Decimal | None = None, cost: Decimal | None = None,
            rerouted_to: str | None = None, mode: str | None = None) -> tuple[InboxItem, Decision]:
    decision = Decision(status, reason, row_id, volume, cost, rerouted_to, at, actor.sub, mode)
    return replace(item, status=status, decision=decision), decision


def accommodate(item: InboxItem, *, actor: Actor, row_id: str, at: datetime,
                volume: object = None, cost: object = None,
                reason: str | None = None, mode: str = BARIS_BARU) -> tuple[InboxItem, Decision]:
    """menunggu -> diakomodasi into renja row `row_id` (new or existing, of this OPD and year:
    the service checks the row and applies `mode`, see akomodasi.py). Volume/cost default to the
    item's; revised values > 0; the cost is the money attributable to the row."""
    _begin(item, actor, at)
    errors: list[FieldError] = []
    if mode not in MODES:
        errors.append(FieldError("mode", "Cara akomodasi harus baris_baru, tambah atau sudah_tercakup", "invalid"))
    row, found = text_field(row_id, "renja_row_id", "Baris Renja", max_len=100)
    errors += found
    vol, amount = item.volume, item.cost
    if volume is not None:
        vol, found = quantity_field(volume, "volume", "Volume")
        errors += found
    if cost is not None:
        amount, found = rupiah_field(cost, "cost", "Biaya", positive=True)
        errors += found
    note, found = text_field(reason, "reason", "Catatan", required=False, max_len=MAX_REASON)
    errors += found
    raise_if_any(errors)
    return _decide(item, InboxStatus.DIAKOMODASI, actor, at, reason=note, row_id=row,
                   volume=vol, cost=amount, mode=mode)


def accommodation_amounts(item: InboxItem, volume: object = None, cost: object = None
                          ) -> tuple[Decimal, Decimal]:
    """(volume, cost) an accommodation brings: the item's, or the revised values (> 0);
    ValidationError on `volume` / `cost` otherwise."""
    errors: list[FieldError] = []
    vol, amount = item.volume, item.cost
    if volume is not None:
        vol, found = quantity_field(volume, "volume", "Volume")
        errors += found
    if cost is not None:
        amount, found = rupiah_field(cost, "cost", "Biaya", positive=True)
        errors += found
    raise_if_any(errors)
    return vol, amount


def reject(item: InboxItem, *, actor: Actor, reason: str, at: datetime
           ) -> tuple[InboxItem, Decision]:
    """menunggu -> ditolak, with the reason the proposer will read (required)."""
    _begin(item, actor, at)
    note, errors = text_field(reason, "reason", "Alasan penolakan", max_len=MAX_REASON)
    raise_if_any(errors)
    return _decide(item, InboxStatus.DITOLAK, actor, at, reason=note)


def reroute(item: InboxItem, *, actor: Actor, to_opd: str, reason: str, at: datetime,
            opds: Collection[str]) -> tuple[InboxItem, Decision, InboxItem]:
    """menunggu -> dialihkan to `to_opd` (a code of the pemda's register `opds`); returns the
    original item decided, the decision and the new item for the target OPD."""
    _begin(item, actor, at)
    errors: list[FieldError] = []
    if not isinstance(to_opd, str) or not to_opd.strip():
        errors.append(FieldError("to_opd", "OPD tujuan wajib diisi", "required"))
    elif to_opd == item.opd:
        errors.append(FieldError("to_opd", "Usulan/pokir tidak dapat dialihkan ke OPD yang sama",
                                 "same_opd"))
    elif to_opd not in opds:
        errors.append(FieldError("to_opd", f"OPD {to_opd} tidak terdaftar di pemda {item.pemda}",
                                 "unknown_opd"))
    elif to_opd in item.previous_opds:
        errors.append(FieldError("to_opd", f"Usulan/pokir ini sudah pernah dialihkan oleh OPD "
                                           f"{to_opd}; tidak dapat dikembalikan ke sana",
                                 "already_routed"))
    note, found = text_field(reason, "reason", "Alasan pengalihan", max_len=MAX_REASON)
    errors += found
    raise_if_any(errors)
    decided, decision = _decide(item, InboxStatus.DIALIHKAN, actor, at, reason=note,
                                rerouted_to=to_opd)
    new_item = replace(item, id=inbox_item_id(item.pemda, item.source, item.source_id, to_opd),
                       opd=to_opd, received_at=at, status=InboxStatus.MENUNGGU, decision=None,
                       previous_opds=item.previous_opds + (item.opd,))
    return decided, decision, new_item
