"""What the RKPD assembly reads: immutable copies of the closed stages' data, already collected
by the service (renja rows, the OPD register, usulan with their final decisions, pokir), plus an
injected nomenclature name lookup.

The constructors normalise and check types, so that the builder can trust them: money is a
non-negative Decimal with at most 2 decimals (int and numeric text accepted, float refused),
text is stripped (blank optional text becomes None), statuses are lower-case with single
spaces, tuples stay tuples. A wrong type or value is a programming error of the caller
(TypeError / ValueError), never a silent rounding.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Mapping, Protocol

from .money import as_decimal, as_rupiah


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


def _required_text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} wajib berupa teks yang tidak kosong: {value!r}")
    return value.strip()


def _optional_text(value: object, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} harus teks atau None: {value!r}")
    return value.strip() or None


def _status(value: object, name: str) -> str | None:
    text = _optional_text(value, name)
    return " ".join(text.lower().split()) if text else None


def _texts(value: object, name: str) -> tuple[str, ...]:
    """A tuple of non-blank stripped texts (a lone string is refused: it is not a list)."""
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, set, frozenset)):
        raise TypeError(f"{name} harus tuple/list teks: {value!r}")
    items = []
    for item in value:
        if not isinstance(item, str):
            raise TypeError(f"{name} berisi bukan teks: {item!r}")
        if item.strip():
            items.append(item.strip())
    return tuple(items)


AKOMODASI_KINDS = ("usulan", "pokir")
AKOMODASI_MODES = ("baris_baru", "tambah", "sudah_tercakup")
CAKUPAN = ("kabupaten", "kecamatan", "desa")


@dataclass(frozen=True)
class AkomodasiIn:
    """An usulan or pokir a renja row accommodates (Renja's row events, `akomodasi`): how
    (`baris_baru`: the row was made for it, `tambah`: the row grew by it, `sudah_tercakup`: the
    row already covered it), the volume it brings and the money of the row attributable to it."""

    kind: str
    source_id: str
    tracking_code: str | None
    mode: str
    volume: Decimal
    attributable: Decimal

    def __post_init__(self) -> None:
        if self.kind not in AKOMODASI_KINDS:
            raise ValueError(f"jenis akomodasi tidak dikenal: {self.kind!r}")
        if self.mode not in AKOMODASI_MODES:
            raise ValueError(f"mode akomodasi tidak dikenal: {self.mode!r}")
        _set(self, "source_id", _required_text(self.source_id, "source_id"))
        _set(self, "tracking_code", _optional_text(self.tracking_code, "tracking_code"))
        volume = as_decimal(self.volume, f"volume akomodasi {self.source_id}")
        if volume < 0:
            raise ValueError(f"volume akomodasi {self.source_id} tidak boleh negatif")
        _set(self, "volume", volume)
        _set(self, "attributable", as_rupiah(self.attributable, f"attributable {self.source_id}"))


@dataclass(frozen=True)
class RenjaRowIn:
    """One final renja row: one line of the chapter V table (a sub-kegiatan of one OPD)."""

    id: str
    opd: str
    sub_kegiatan: str
    indikator: str | None
    target: Decimal | None
    satuan: str | None
    pagu_n: Decimal
    pagu_n1: Decimal
    lokasi: tuple[str, ...] = ()
    sumber_dana: str | None = None
    prioritas_nasional: tuple[str, ...] = ()
    prioritas_daerah: tuple[str, ...] = ()
    kelompok_sasaran: str | None = None
    cakupan: str | None = None  # what `lokasi` lists: kabupaten | kecamatan | desa (None: not said)
    akomodasi: tuple[AkomodasiIn, ...] = ()

    def __post_init__(self) -> None:
        _set(self, "id", _required_text(self.id, "id"))
        if self.cakupan is not None and self.cakupan not in CAKUPAN:
            raise ValueError(f"cakupan lokasi baris {self.id} tidak dikenal: {self.cakupan!r}")
        items = tuple(self.akomodasi or ())
        for item in items:
            if not isinstance(item, AkomodasiIn):
                raise TypeError(f"Bukan AkomodasiIn: {item!r}")
        _set(self, "akomodasi", items)
        _set(self, "opd", _required_text(self.opd, "opd"))
        _set(self, "sub_kegiatan", _required_text(self.sub_kegiatan, "sub_kegiatan"))
        for name in ("indikator", "satuan", "sumber_dana", "kelompok_sasaran"):
            _set(self, name, _optional_text(getattr(self, name), name))
        if self.target is not None:
            _set(self, "target", as_decimal(self.target, f"target baris {self.id}"))
        _set(self, "pagu_n", as_rupiah(self.pagu_n, f"pagu_n baris {self.id}"))
        _set(self, "pagu_n1", as_rupiah(self.pagu_n1, f"pagu_n1 baris {self.id}"))
        for name in ("lokasi", "prioritas_nasional", "prioritas_daerah"):
            _set(self, name, _texts(getattr(self, name), name))


@dataclass(frozen=True)
class OpdIn:
    """An OPD of the register: kode (e.g. 1.03.0.00.0.00.01.0000) and name."""

    kode: str
    nama: str

    def __post_init__(self) -> None:
        _set(self, "kode", _required_text(self.kode, "kode OPD"))
        _set(self, "nama", _required_text(self.nama, "nama OPD"))


@dataclass(frozen=True)
class UsulanIn:
    """An usulan with its final Musrenbang status and the OPD's decision on it.

    status_musrenbang: "diterima", "diterima dengan perubahan", "digabung", "ditolak",
    "ditarik", "tidak diteruskan", ...; keputusan_opd: "diakomodasi", "ditolak", "dialihkan"
    or None (never reached an OPD)."""

    id: str
    tracking_code: str
    kecamatan: str
    kecamatan_nama: str | None
    desa: str
    desa_nama: str | None
    gagasan: str
    opd: str | None
    cost_awal: Decimal
    cost_akhir: Decimal
    status_musrenbang: str
    alasan: str | None = None
    keputusan_opd: str | None = None
    alasan_opd: str | None = None

    def __post_init__(self) -> None:
        _set(self, "id", _required_text(self.id, "id usulan"))
        _set(self, "tracking_code", _required_text(self.tracking_code, "tracking_code"))
        _set(self, "kecamatan", _required_text(self.kecamatan, "kecamatan"))
        _set(self, "desa", _required_text(self.desa, "desa"))
        _set(self, "gagasan", _optional_text(self.gagasan, "gagasan") or "")
        for name in ("kecamatan_nama", "desa_nama", "opd", "alasan", "alasan_opd"):
            _set(self, name, _optional_text(getattr(self, name), name))
        _set(self, "cost_awal", as_rupiah(self.cost_awal, f"cost_awal usulan {self.id}"))
        _set(self, "cost_akhir", as_rupiah(self.cost_akhir, f"cost_akhir usulan {self.id}"))
        status = _status(self.status_musrenbang, "status_musrenbang")
        if status is None:
            raise ValueError(f"status_musrenbang usulan {self.id} wajib diisi")
        _set(self, "status_musrenbang", status)
        _set(self, "keputusan_opd", _status(self.keputusan_opd, "keputusan_opd"))


@dataclass(frozen=True)
class PokirIn:
    """A DPRD member's pokir with its final follow-up status ("diakomodasi",
    "tidak diakomodasi", "didisposisikan", "ditarik", ...) and reason."""

    id: str
    anggota: str
    fraksi: str | None
    dapil: str
    judul: str
    kecamatan: str | None
    desa: str | None
    opd: str | None
    cost: Decimal
    status: str
    alasan: str | None = None

    def __post_init__(self) -> None:
        _set(self, "id", _required_text(self.id, "id pokir"))
        _set(self, "anggota", _required_text(self.anggota, "anggota"))
        _set(self, "dapil", _required_text(self.dapil, "dapil"))
        _set(self, "judul", _optional_text(self.judul, "judul") or "")
        for name in ("fraksi", "kecamatan", "desa", "opd", "alasan"):
            _set(self, name, _optional_text(getattr(self, name), name))
        _set(self, "cost", as_rupiah(self.cost, f"cost pokir {self.id}"))
        status = _status(self.status, "status")
        if status is None:
            raise ValueError(f"status pokir {self.id} wajib diisi")
        _set(self, "status", status)


class NameLookup(Protocol):
    """What the service injects: the name of a nomenclature code of the pinned version (urusan
    "1", bidang "1.03", program "1.03.10", kegiatan "1.03.10.2.01", sub kegiatan
    "1.03.10.2.01.0028"), with X.XX template copies already resolved; None when unknown."""

    def name(self, kode: str, /) -> str | None: ...


@dataclass(frozen=True)
class InMemoryNames:
    """A NameLookup over a dict {kode: nama} (tests, small tools)."""

    items: Mapping[str, str]

    def name(self, kode: str, /) -> str | None:
        return self.items.get(kode)


def resolve_name(names: NameLookup | None, kode: str) -> str:
    """The name of `kode`, or the code itself when the lookup does not know it (None, blank
    or not text): an unknown name never stops the assembly."""
    found = names.name(kode) if names is not None else None
    if isinstance(found, str) and found.strip():
        return " ".join(found.split())
    return kode
