"""The pokir aggregate: one DPRD member's proposal, its status and its history."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum

from .kamus import KamusItem


class PokirStatus(str, Enum):
    DRAFT = "draft"
    DIAJUKAN = "diajukan"  # submitted to Setwan by the member or staf ahli
    DIREKOMENDASIKAN = "direkomendasikan"  # recommended by Setwan
    DISAMPAIKAN = "disampaikan"  # delivered to Bappeda by Setwan
    DIDISPOSISIKAN = "didisposisikan"  # routed by Bappeda to an OPD
    DIAKOMODASI = "diakomodasi"  # taken into a Renja row
    TIDAK_DIAKOMODASI = "tidak diakomodasi"  # not taken, with a reason
    DITARIK = "ditarik"  # withdrawn by the member before delivery

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def delivered(self) -> bool:
        """Delivered to Bappeda (or later): part of the submitted set and of the public register."""
        return self in DELIVERED_STATUSES


STATUS_LABELS = {
    PokirStatus.DRAFT: "Draf",
    PokirStatus.DIAJUKAN: "Diajukan ke Setwan",
    PokirStatus.DIREKOMENDASIKAN: "Direkomendasikan Setwan",
    PokirStatus.DISAMPAIKAN: "Disampaikan ke Bappeda",
    PokirStatus.DIDISPOSISIKAN: "Didisposisikan ke OPD",
    PokirStatus.DIAKOMODASI: "Diakomodasi dalam Renja",
    PokirStatus.TIDAK_DIAKOMODASI: "Tidak diakomodasi",
    PokirStatus.DITARIK: "Ditarik",
}
DELIVERED_STATUSES = frozenset({PokirStatus.DISAMPAIKAN, PokirStatus.DIDISPOSISIKAN,
                                PokirStatus.DIAKOMODASI, PokirStatus.TIDAK_DIAKOMODASI})
FINAL_STATUSES = frozenset({PokirStatus.DIAKOMODASI, PokirStatus.TIDAK_DIAKOMODASI,
                            PokirStatus.DITARIK})


@dataclass(frozen=True)
class Lampiran:
    """Attachment metadata (the file itself lives in object storage under its sha256)."""

    nama_berkas: str
    media_type: str
    ukuran: int  # bytes
    sha256: str


@dataclass(frozen=True)
class Akomodasi:
    """Where the pokir was accommodated: a Renja row of an OPD, with the Renja's volume/cost."""

    opd: str
    renja_row_id: str
    volume: Decimal
    cost: Decimal  # the money the Renja decision attributes to this pokir in the row
    mode: str | None = None  # baris_baru | tambah | sudah_tercakup (None: decided before the modes)


class ReviewStatus(str, Enum):
    LAYAK = "layak"
    TIDAK_LAYAK = "tidak_layak"


@dataclass(frozen=True)
class Kajian:
    kewenangan: bool
    sesuai_prioritas: bool
    duplikat_usulan: str | None
    biaya_wajar: bool

    @property
    def passes(self) -> bool:
        return self.kewenangan and self.sesuai_prioritas and self.biaya_wajar and self.duplikat_usulan is None

    def failed(self) -> list[str]:
        """The criteria that fail, in Bahasa Indonesia (for the reason a tidak_layak pokir shows)."""
        out = []
        if not self.kewenangan:
            out.append("bukan kewenangan daerah")
        if not self.sesuai_prioritas:
            out.append("tidak sesuai prioritas")
        if self.duplikat_usulan is not None:
            out.append(f"duplikat usulan Musrenbang {self.duplikat_usulan}")
        if not self.biaya_wajar:
            out.append("biaya tidak wajar")
        return out


@dataclass(frozen=True)
class Review:
    status: ReviewStatus
    kajian: Kajian
    catatan: str | None
    reviewed_by: str
    reviewed_at: datetime


@dataclass(frozen=True)
class HistoryEntry:
    """One step of the pokir's life: who (sub and role), when, from, to, and a note."""

    action: str
    by: str
    role: str
    at: datetime
    from_status: PokirStatus | None
    to_status: PokirStatus
    note: str | None = None


@dataclass(frozen=True)
class Pokir:
    id: str
    tahun: int
    pemda: str
    anggota_id: str
    dapil: str  # kode, snapshot at creation
    reses_id: str
    judul: str
    permasalahan: str
    usulan: str
    kamus_item: KamusItem  # snapshot: the unit price is fixed when the pokir is made/edited
    volume: Decimal
    cost: Decimal  # volume x kamus_item.harga_satuan, computed by the domain
    kecamatan: str
    desa: str
    created_by: str
    created_at: datetime
    alamat: str | None = None
    lat: Decimal | None = None
    lon: Decimal | None = None
    lampiran: tuple[Lampiran, ...] = ()
    status: PokirStatus = PokirStatus.DRAFT
    history: tuple[HistoryEntry, ...] = ()
    catatan_setwan: str | None = None  # latest recommendation or return note (never public)
    disposisi_opd: str | None = None
    akomodasi: Akomodasi | None = None
    alasan_tidak_diakomodasi: str | None = None
    review: Review | None = None  # Bappeda's kajian (domain.review); None on pokir of years before it

    @property
    def opd(self) -> str:
        """The OPD now responsible: the disposisi target, else the kamus item's OPD."""
        return self.disposisi_opd or self.kamus_item.opd

    @property
    def counts_against_pagu(self) -> bool:
        return self.status is not PokirStatus.DITARIK
