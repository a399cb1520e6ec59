"""Kemendagri region codes: pemda `12.21`, kecamatan `12.21.01`, desa `12.21.01.2001`.

The domain never loads region data itself: the service injects a `RegionDirectory`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Protocol


def parent_code(code: str) -> str:
    """The code minus its last segment: desa -> kecamatan -> pemda."""
    head, _, _ = code.rpartition(".")
    return head


def is_within(code: str, ancestor: str) -> bool:
    return code == ancestor or code.startswith(ancestor + ".")


class RegionDirectory(Protocol):
    """Answers what the domain needs to know about regions."""

    def kecamatan_of(self, desa: str, /) -> str | None:
        """The kecamatan code of a known desa, None if the desa is unknown."""

    def is_kecamatan(self, code: str, /) -> bool:
        """True if `code` is a known kecamatan."""

    def name_of(self, code: str, /) -> str | None:
        """The name of a known kecamatan or desa, None if unknown."""


@dataclass(frozen=True)
class InMemoryRegionDirectory:
    """A RegionDirectory over dicts {code: name}, e.g. loaded from wilayah_indonesia.csv."""

    kecamatan: Mapping[str, str] = field(default_factory=dict)
    desa: Mapping[str, str] = field(default_factory=dict)

    def kecamatan_of(self, desa: str, /) -> str | None:
        return parent_code(desa) if desa in self.desa else None

    def is_kecamatan(self, code: str, /) -> bool:
        return code in self.kecamatan

    def name_of(self, code: str, /) -> str | None:
        return self.desa.get(code) or self.kecamatan.get(code)
