"""Chapter V table "Rencana Program dan Kegiatan Prioritas Daerah".

Lines are grouped OPD -> urusan -> bidang -> program -> kegiatan -> sub kegiatan. Every renja
row is one sub-kegiatan line (two rows of one OPD with the same sub-kegiatan stay two lines,
ordered by row id). Order: OPD kode, then the nomenclature code, numeric-aware per segment
(`codes.code_key`), then row id. Every non-leaf line's pagu N / N+1 is the exact Decimal sum
of the leaves below it (hence of its children); the table totals are the sum of the leaves.

Leaf lines carry the renja columns and `row_id`; non-leaf lines carry only kode, uraian, opd and
the sums (their other columns are null / empty lists). Unknown names: the OPD line shows the OPD
code, nomenclature lines show their code.

Every leaf line also lists the usulan and pokir it accommodates (`akomodasi`: kind, source id,
tracking code, mode, volume, the money attributable to it; sorted by kind, tracking code, source
id) and `atribusi` (their sum; on non-leaf lines the sum of the leaves). The money attributable
to items never exceeds the line's pagu N: a row that says otherwise stops the assembly
(`atribusi_melebihi_pagu`, naming the row) rather than being shown.

The rancangan awal has no renja rows yet: its table (`build_tabel_pagu_indikatif`) has one OPD
line per indicative ceiling (pagu indikatif N / N+1).
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Iterable, Mapping

from .codes import LEVELS, code_key, nomenclature_path
from .errors import TransitionRefused
from .inputs import AkomodasiIn, NameLookup, OpdIn, RenjaRowIn, resolve_name
from .money import as_rupiah, decimal_text, money_text, total

COLUMNS = ("tingkat", "kode", "uraian", "opd", "row_id", "indikator", "target_n", "satuan",
           "pagu_n", "lokasi", "sumber_dana", "prioritas_nasional", "prioritas_daerah",
           "kelompok_sasaran", "target_n1", "pagu_n1", "cakupan_lokasi", "akomodasi", "atribusi")


def attributed(row: RenjaRowIn):
    """The money of `row` attributable to the items it accommodates; refused above its pagu N."""
    amount = total(item.attributable for item in row.akomodasi)
    if amount > row.pagu_n:
        raise TransitionRefused(
            f"Baris Renja {row.id}: uang yang diatribusikan ke usulan/pokir ({money_text(amount)}) melebihi pagu "
            f"baris ({money_text(row.pagu_n)}); OPD perlu memperbaiki akomodasi baris ini.",
            code="atribusi_melebihi_pagu")
    return amount


def akomodasi_record(item: AkomodasiIn) -> dict:
    return {"kind": item.kind, "source_id": item.source_id, "tracking_code": item.tracking_code,
            "mode": item.mode, "sudah_tercakup": item.mode == "sudah_tercakup",
            "volume": decimal_text(item.volume), "attributable": money_text(item.attributable)}


@dataclass(frozen=True)
class Leaf:
    """A renja row placed in the tree: its (urusan, bidang, program, kegiatan, sub) codes."""

    row: RenjaRowIn
    path: tuple[str, str, str, str, str]

    @property
    def sort_key(self) -> tuple:
        return (code_key(self.row.opd), self.row.opd, code_key(self.path[-1]), self.path[-1],
                self.row.id)


def sorted_unique(values: Iterable[str], *, codes: bool = False) -> list[str]:
    """Distinct values, sorted (numeric-aware when they are codes)."""
    distinct = set(values)
    return sorted(distinct, key=(lambda v: (code_key(v), v)) if codes else None)


def opd_names(opds: Iterable[OpdIn]) -> dict[str, str]:
    """{kode: nama}; an OPD listed twice is a programming error."""
    names: dict[str, str] = {}
    for opd in opds:
        if not isinstance(opd, OpdIn):
            raise TypeError(f"Bukan OpdIn: {opd!r}")
        if opd.kode in names:
            raise ValueError(f"OPD {opd.kode} tercantum lebih dari sekali")
        names[opd.kode] = opd.nama
    return names


def place_rows(rows: Iterable[RenjaRowIn]) -> list[Leaf]:
    """The rows as sorted leaves; duplicate row ids and malformed codes are refused."""
    leaves: list[Leaf] = []
    seen: set[str] = set()
    for row in rows:
        if not isinstance(row, RenjaRowIn):
            raise TypeError(f"Bukan RenjaRowIn: {row!r}")
        if row.id in seen:
            raise ValueError(f"Baris Renja {row.id} tercantum lebih dari sekali")
        seen.add(row.id)
        try:
            path = nomenclature_path(row.sub_kegiatan)
        except ValueError as exc:
            raise ValueError(f"Baris Renja {row.id}: {exc}") from None
        leaves.append(Leaf(row, path))
    leaves.sort(key=lambda leaf: leaf.sort_key)
    return leaves


def _header(tingkat: str, kode: str, uraian: str, opd: str, leaves: list[Leaf]) -> dict:
    return {
        "tingkat": tingkat, "kode": kode, "uraian": uraian, "opd": opd, "row_id": None,
        "indikator": None, "target_n": None, "satuan": None,
        "pagu_n": money_text(total(leaf.row.pagu_n for leaf in leaves)),
        "lokasi": [], "sumber_dana": None, "prioritas_nasional": [], "prioritas_daerah": [],
        "kelompok_sasaran": None, "target_n1": None,
        "pagu_n1": money_text(total(leaf.row.pagu_n1 for leaf in leaves)),
        "cakupan_lokasi": None, "akomodasi": [],
        "atribusi": money_text(total(attributed(leaf.row) for leaf in leaves)),
    }


def _leaf_line(leaf: Leaf, names: NameLookup | None) -> dict:
    row = leaf.row
    return {
        "tingkat": "sub_kegiatan", "kode": row.sub_kegiatan,
        "uraian": resolve_name(names, row.sub_kegiatan), "opd": row.opd, "row_id": row.id,
        "indikator": row.indikator,
        "target_n": None if row.target is None else decimal_text(row.target),
        "satuan": row.satuan, "pagu_n": money_text(row.pagu_n),
        "lokasi": sorted_unique(row.lokasi, codes=True), "sumber_dana": row.sumber_dana,
        "prioritas_nasional": sorted_unique(row.prioritas_nasional),
        "prioritas_daerah": sorted_unique(row.prioritas_daerah),
        "kelompok_sasaran": row.kelompok_sasaran, "target_n1": None,
        "pagu_n1": money_text(row.pagu_n1),
        "cakupan_lokasi": row.cakupan,
        "akomodasi": [akomodasi_record(item) for item in sorted(
            row.akomodasi, key=lambda i: (i.kind, i.tracking_code or "", i.source_id))],
        "atribusi": money_text(attributed(row)),
    }


def _emit(lines: list[dict], leaves: list[Leaf], depth: int, opd: str,
          names: NameLookup | None) -> None:
    """Header lines of nomenclature level `depth` (0 = urusan .. 3 = kegiatan), then below."""
    if depth == 4:
        lines.extend(_leaf_line(leaf, names) for leaf in leaves)
        return
    for kode, group in groupby(leaves, key=lambda leaf: leaf.path[depth]):
        group = list(group)
        lines.append(_header(LEVELS[depth + 1], kode, resolve_name(names, kode), opd, group))
        _emit(lines, group, depth + 1, opd, names)


def build_tabel_v(rows: Iterable[RenjaRowIn], opds: Iterable[OpdIn] | Mapping[str, str],
                  names: NameLookup | None) -> dict:
    """{"baris": [...], "total_n": "…", "total_n1": "…"} (see module doc)."""
    register = dict(opds) if isinstance(opds, Mapping) else opd_names(opds)
    leaves = place_rows(rows)
    lines: list[dict] = []
    for opd, group in groupby(leaves, key=lambda leaf: leaf.row.opd):
        group = list(group)
        lines.append(_header("opd", opd, register.get(opd) or opd, opd, group))
        _emit(lines, group, 0, opd, names)
    return {
        "baris": lines,
        "total_n": money_text(total(leaf.row.pagu_n for leaf in leaves)),
        "total_n1": money_text(total(leaf.row.pagu_n1 for leaf in leaves)),
    }



def build_tabel_pagu_indikatif(ceilings: Mapping[str, tuple], opds: Iterable[OpdIn] | Mapping[str, str]) -> dict:
    """The rancangan awal's table: one OPD line per ceiling `{opd: (pagu_n, pagu_n1)}`, by OPD code."""
    register = dict(opds) if isinstance(opds, Mapping) else opd_names(opds)
    amounts = {opd: (as_rupiah(n, f"pagu indikatif {opd}"), as_rupiah(n1, f"pagu indikatif N+1 {opd}"))
               for opd, (n, n1) in ceilings.items()}
    lines = []
    for opd in sorted(amounts, key=lambda k: (code_key(k), k)):
        n, n1 = amounts[opd]
        lines.append({
            "tingkat": "opd", "kode": opd, "uraian": register.get(opd) or opd, "opd": opd, "row_id": None,
            "indikator": None, "target_n": None, "satuan": None, "pagu_n": money_text(n), "lokasi": [],
            "sumber_dana": None, "prioritas_nasional": [], "prioritas_daerah": [], "kelompok_sasaran": None,
            "target_n1": None, "pagu_n1": money_text(n1), "cakupan_lokasi": None, "akomodasi": [],
            "atribusi": money_text(total(())),
        })
    return {"baris": lines, "total_n": money_text(total(a[0] for a in amounts.values())),
            "total_n1": money_text(total(a[1] for a in amounts.values()))}
