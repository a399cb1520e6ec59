"""What a citizen sees when looking up an usulan by its tracking code.

Whitelist only: status and the reason at each level, kecamatan/desa names, kamus item, volume
and cost. Never the proposer (name, phone, NIK, group), operators, address, coordinates or
free text (which may name people).
"""
from __future__ import annotations

from dataclasses import dataclass

from .money import decimal_text, money_text
from .regions import RegionDirectory
from .usulan import Usulan, UsulanStatus

STATUS_LABELS = {UsulanStatus.DRAFT: "Draf", UsulanStatus.SUBMITTED: "Diajukan",
                 UsulanStatus.WITHDRAWN: "Ditarik"}


@dataclass(frozen=True)
class PublicDecision:
    level: str
    status: str
    reason: str
    volume: str
    cost: str


@dataclass(frozen=True)
class PublicUsulanView:
    tracking_code: str
    tahun: int
    status: str
    status_label: str
    kecamatan: str
    desa: str
    item: str
    satuan: str
    volume_awal: str
    cost_awal: str
    volume: str
    cost: str
    decisions: tuple[PublicDecision, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "tracking_code": self.tracking_code, "tahun": self.tahun, "status": self.status,
            "status_label": self.status_label,
            "kecamatan": self.kecamatan, "desa": self.desa, "item": self.item,
            "satuan": self.satuan, "volume_awal": self.volume_awal, "cost_awal": self.cost_awal,
            "volume": self.volume, "cost": self.cost,
            "decisions": [vars(d).copy() for d in self.decisions],
        }


def public_view(usulan: Usulan, regions: RegionDirectory) -> PublicUsulanView:
    return PublicUsulanView(
        tracking_code=usulan.tracking_code,
        tahun=usulan.tahun,
        status=usulan.status.value,
        status_label=STATUS_LABELS[usulan.status],
        kecamatan=regions.name_of(usulan.kecamatan) or usulan.kecamatan,
        desa=regions.name_of(usulan.desa) or usulan.desa,
        item=usulan.kamus_item.nama,
        satuan=usulan.kamus_item.satuan,
        volume_awal=decimal_text(usulan.volume),
        cost_awal=money_text(usulan.cost),
        volume=decimal_text(usulan.current_volume),
        cost=money_text(usulan.current_cost),
        decisions=tuple(
            PublicDecision(d.level.value, d.status.value, d.reason, decimal_text(d.volume),
                           money_text(d.cost))
            for d in usulan.decisions),
    )
