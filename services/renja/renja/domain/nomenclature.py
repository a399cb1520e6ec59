"""The nomenclature (kodefikasi) as the renja domain sees it: an injected lookup of the
sub-kegiatan of the cycle's pinned version.

Codes: urusan `1` -> bidang urusan `1.03` -> program `1.03.10` -> kegiatan `1.03.10.2.01` ->
sub kegiatan `1.03.10.2.01.0028`. The service resolves a bidang's copy of an `X.XX` template
code (`1.03.01.2.01.0001`) before answering; the domain only asks `sub_kegiatan(kode)`.

Rule for a renja row: the code must be a concrete sub-kegiatan code (`N.NN.NN.N.NN.NNNN`),
exist in the pinned version (`unknown_code`) AND its bidang (first two segments) must be one of
the OPD's bidang (`outside_bidang`). Both are checked independently, so a code that is unknown
and outside the OPD's bidang gets both errors.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Protocol

from .errors import FieldError

BIDANG_PATTERN = re.compile(r"^[0-9]\.[0-9]{2}$")
SUB_KEGIATAN_PATTERN = re.compile(r"^[0-9]\.[0-9]{2}\.[0-9]{2}\.[0-9]\.[0-9]{2}\.[0-9]{4}$")


@dataclass(frozen=True)
class SubKegiatan:
    """A sub-kegiatan of the pinned nomenclature version (concrete code)."""

    kode: str
    nama: str
    kinerja: str | None = None
    indikator: str | None = None
    satuan: str | None = None

    @property
    def bidang(self) -> str:
        return bidang_of(self.kode)


class NomenclatureLookup(Protocol):
    """What the service injects: the sub-kegiatan `kode` of the pinned version, or None."""

    def sub_kegiatan(self, kode: str, /) -> SubKegiatan | None: ...


@dataclass(frozen=True)
class InMemoryNomenclature:
    """A NomenclatureLookup over a dict {kode: SubKegiatan} (tests, small tools)."""

    items: Mapping[str, SubKegiatan]

    @classmethod
    def of(cls, *items: SubKegiatan) -> "InMemoryNomenclature":
        return cls({item.kode: item for item in items})

    def sub_kegiatan(self, kode: str, /) -> SubKegiatan | None:
        return self.items.get(kode)


def bidang_of(kode: str) -> str:
    """The bidang urusan of a code: its first two segments ("1.03.10.2.01.0028" -> "1.03")."""
    return ".".join(str(kode).split(".")[:2])


def is_bidang_code(kode: object) -> bool:
    return isinstance(kode, str) and bool(BIDANG_PATTERN.match(kode))


def sub_kegiatan_errors(kode: str, opd_bidang: tuple[str, ...] | frozenset[str],
                        nomenclature: NomenclatureLookup, opd_kode: str = "",
                        field: str = "sub_kegiatan"
                        ) -> tuple[SubKegiatan | None, list[FieldError]]:
    """The sub-kegiatan of `kode` and the problems: malformed (`invalid`), not in the pinned
    version (`unknown_code`), bidang not among the OPD's (`outside_bidang`)."""
    if not SUB_KEGIATAN_PATTERN.match(kode):
        return None, [FieldError(field, f"Kode sub kegiatan {kode!r} tidak sesuai pola "
                                        "N.NN.NN.N.NN.NNNN (contoh 1.03.10.2.01.0028)",
                                 "invalid")]
    errors: list[FieldError] = []
    found = nomenclature.sub_kegiatan(kode)
    if found is None:
        errors.append(FieldError(field, f"Kode sub kegiatan {kode} tidak ada dalam versi "
                                        "nomenklatur yang berlaku untuk siklus ini",
                                 "unknown_code"))
    bidang = bidang_of(kode)
    if bidang not in opd_bidang:
        whose = f"OPD {opd_kode}" if opd_kode else "OPD"
        allowed = ", ".join(opd_bidang) or "-"
        errors.append(FieldError(field, f"Sub kegiatan {kode} termasuk bidang urusan {bidang}, "
                                        f"di luar bidang {whose} ({allowed})",
                                 "outside_bidang"))
    return found, errors
