"""The region tree of any pemda, read by the gateway from the project's Kemendagri region codes
(`data/wilayah_indonesia.csv`, data/SOURCES.md: the file every service loads its own region table
from with `eplanning_common.wilayah`).

Why the gateway reads the file itself instead of asking a service: the codes and names are public
reference data shipped in the same image as the services (one version for all), they change only
with a release, and the two uses here must not depend on a running service: the public lookup
(`GET /v1/public/wilayah/{pemda}`, cached by browsers and the offline web app) and the check that
a user's desa/kecamatan exists when an administrator creates one.

The file is 91,600 lines. It is scanned once per process, building only an index of where each
kab/kota's block of lines starts and ends (its rows are contiguous: the file is sorted by code);
a lookup then reads that block alone, and the last trees asked for are kept.
"""
from __future__ import annotations

import csv
import functools
import io
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eplanning_common import wilayah as region_data

LEVELS = {2: "kabupaten_kota", 3: "kecamatan", 4: "desa_kelurahan"}
CACHED_TREES = 64


@dataclass(frozen=True)
class Tree:
    """One kab/kota: its name, kecamatan and desa/kelurahan, each sorted by code."""

    kode: str
    nama: str
    kecamatan: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]  # (kode, nama, ((desa kode, nama), ...))

    def codes(self) -> frozenset[str]:
        return frozenset([k for k, _, _ in self.kecamatan] + [d for _, _, desa in self.kecamatan for d, _ in desa])

    def as_json(self) -> dict[str, Any]:
        return {"pemda": {"kode": self.kode, "nama": self.nama},
                "kecamatan": [{"kode": k, "nama": n, "desa": [{"kode": d, "nama": dn} for d, dn in desa]}
                              for k, n, desa in self.kecamatan]}


class RegionIndex:
    """`tree(pemda)` -> Tree or None (no such kab/kota); `exists(code)`: a kecamatan or desa code."""

    def __init__(self, csv_path: str | Path | None = None):
        self._path = Path(csv_path) if csv_path is not None else None
        self._blocks: dict[str, list[tuple[int, int]]] | None = None
        self._lock = threading.Lock()
        self.tree = functools.lru_cache(maxsize=CACHED_TREES)(self._tree)
        self._codes = functools.lru_cache(maxsize=CACHED_TREES)(self._codes_of)

    @property
    def path(self) -> Path:
        return self._path if self._path is not None else region_data.default_csv_path()

    def _index(self) -> dict[str, list[tuple[int, int]]]:
        with self._lock:
            if self._blocks is None:
                self._blocks = _scan(self.path)
            return self._blocks

    def _tree(self, pemda: str) -> Tree | None:
        blocks = self._index().get(pemda)
        if not blocks:
            return None
        nama, kecamatan, desa = None, {}, {}
        with open(self.path, "rb") as fh:
            for start, end in blocks:
                fh.seek(start)
                text = fh.read(end - start).decode("utf-8")
                for kode, name, _tingkat in csv.reader(io.StringIO(text, newline="")):
                    level = LEVELS.get(kode.count(".") + 1)
                    if level == "kabupaten_kota":
                        nama = name
                    elif level == "kecamatan":
                        kecamatan[kode] = name
                    elif level == "desa_kelurahan":
                        desa.setdefault(kode.rpartition(".")[0], []).append((kode, name))
        if nama is None:
            return None
        return Tree(pemda, nama, tuple((k, kecamatan[k], tuple(sorted(desa.get(k, ())))) for k in sorted(kecamatan)))

    def _codes_of(self, pemda: str) -> frozenset[str]:
        tree = self.tree(pemda)
        return tree.codes() if tree is not None else frozenset()

    def exists(self, code: str) -> bool:
        """Whether `code` is a kecamatan (NN.NN.NN) or desa/kelurahan (NN.NN.NN.NNNN) of the data."""
        parts = code.split(".")
        if len(parts) not in (3, 4):
            return False
        return code in self._codes(".".join(parts[:2]))


def _scan(path: Path) -> dict[str, list[tuple[int, int]]]:
    """{kab/kota code: [(start, end) byte ranges of its lines]} (one range when the file is sorted)."""
    blocks: dict[str, list[tuple[int, int]]] = {}
    with open(path, "rb") as fh:
        header = fh.readline()
        if header.decode("utf-8").strip().split(",") != region_data.CSV_COLUMNS:
            raise ValueError(f"{path} is not the region data: header {header[:80]!r}")
        offset = fh.tell()
        current, start = None, offset
        for line in fh:
            code = line.split(b",", 1)[0].decode("ascii", "replace")
            parts = code.split(".")
            pemda = ".".join(parts[:2]) if len(parts) >= 2 else None
            if pemda != current:
                if current is not None:
                    blocks.setdefault(current, []).append((start, offset))
                current, start = pemda, offset
            offset += len(line)
        if current is not None:
            blocks.setdefault(current, []).append((start, offset))
    return blocks


_default: RegionIndex | None = None


def default_index() -> RegionIndex:
    """The process's index over the project's data (built on first use)."""
    global _default
    if _default is None:
        _default = RegionIndex()
    return _default
