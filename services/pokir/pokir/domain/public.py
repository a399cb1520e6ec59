"""The public register of pokir: what anyone may see once a pokir is delivered to Bappeda.

Whitelist only: anggota nama, fraksi, dapil, judul, lokasi (kecamatan/desa names), cost
(the pokir's amount) and status. Never staf ahli, phone numbers or e-mail, Setwan notes,
reasons, history, who entered it, address, coordinates or attachments. Draft, in-Setwan and
withdrawn pokir are not public at all.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable

from .errors import NotPublic
from .money import money_text
from .pokir import Pokir
from .regions import RegionDirectory
from .register import DprdRegister


@dataclass(frozen=True)
class PublicPokirView:
    id: str
    tahun: int
    anggota: str
    fraksi: str
    dapil: str
    judul: str
    kecamatan: str
    desa: str
    cost: str
    status: str
    status_label: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def is_public(pokir: Pokir) -> bool:
    return pokir.status.delivered


def public_view(pokir: Pokir, register: DprdRegister,
                regions: RegionDirectory) -> PublicPokirView:
    if not is_public(pokir):
        raise NotPublic("Pokir belum disampaikan ke Bappeda sehingga belum dapat dilihat publik",
                        code="not_public")
    anggota = register.find_anggota(pokir.anggota_id)
    dapil = register.find_dapil(pokir.dapil)
    return PublicPokirView(
        id=pokir.id, tahun=pokir.tahun,
        anggota=anggota.nama if anggota else pokir.anggota_id,
        fraksi=anggota.fraksi if anggota else "",
        dapil=dapil.nama if dapil else pokir.dapil,
        judul=pokir.judul,
        kecamatan=regions.name_of(pokir.kecamatan) or pokir.kecamatan,
        desa=regions.name_of(pokir.desa) or pokir.desa,
        cost=money_text(pokir.cost),
        status=pokir.status.value, status_label=pokir.status.label)


def public_register(pokirs: Iterable[Pokir], register: DprdRegister,
                    regions: RegionDirectory) -> list[PublicPokirView]:
    """Public views of the delivered pokir, by id."""
    return [public_view(p, register, regions)
            for p in sorted(pokirs, key=lambda p: p.id) if is_public(p)]
