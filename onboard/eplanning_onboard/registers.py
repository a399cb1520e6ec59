"""A pemda's own registers as files, and what "already imported" means for each.

Files (UTF-8 CSV, header first; a directory given with --registers is searched for these names,
the same as data/demo/ uses for the demo pemda):

    opd_<pemda>.csv                      -> PUT /v1/renja/opd?versi=...        (renja validates)
    dprd_dapil_<pemda>.csv, dprd_anggota_<pemda>.csv, dprd_staf_ahli_<pemda>.csv
                                         -> PUT /v1/pokir/register             (pokir validates)
    kamus_usulan_<pemda>_<tahun>.csv     -> PUT /v1/pokir/<tahun>/kamus, then
                                            PUT /v1/musrenbang/<tahun>/kamus   (each validates)

The services' importers are the only judges of a file (their 422 names file, line and column).
This module only decides whether a file is already what the API shows, so that a second
onboarding sends nothing: each `*_view` turns a file, or the API's read of the register, into the
same comparable value. A file holding something the read does not show (a member's telephone)
cannot be compared: its view is None and it is imported again (an upsert of the same rows).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Mapping

from eplanning_common.reference import CsvUnreadable, read_csv

OPD = "opd_{pemda}.csv"
DAPIL = "dprd_dapil_{pemda}.csv"
ANGGOTA = "dprd_anggota_{pemda}.csv"
STAF_AHLI = "dprd_staf_ahli_{pemda}.csv"
KAMUS = "kamus_usulan_{pemda}_{tahun}.csv"

_OPD_BIDANG = re.compile(r"[;\s]+")
_DAPIL_KECAMATAN = re.compile(r"[;,\s]+")


class RegisterError(ValueError):
    """A register file named or needed cannot be used (the message says which and why)."""


@dataclass(frozen=True)
class RegisterFiles:
    opd: Path | None = None
    dapil: Path | None = None
    anggota: Path | None = None
    staf_ahli: Path | None = None
    kamus: Path | None = None

    @property
    def dprd(self) -> tuple[Path, Path, Path] | None:
        return (self.dapil, self.anggota, self.staf_ahli) if self.dapil else None


def find_files(pemda: str, tahun: int | None, directory: Path | None = None,
               explicit: Mapping[str, Path | None] | None = None) -> RegisterFiles:
    """The register files of `pemda`: each explicit path (which must exist), else the standard name
    in `directory` when it is there. The three DPRD files go together: all or none."""
    explicit = {k: v for k, v in (explicit or {}).items() if v is not None}
    names = {"opd": OPD, "dapil": DAPIL, "anggota": ANGGOTA, "staf_ahli": STAF_AHLI}
    if tahun is not None:
        names["kamus"] = KAMUS
    if directory is not None and not Path(directory).is_dir():
        raise RegisterError(f"folder daftar {directory} tidak ada")
    found: dict[str, Path] = {}
    for key, pattern in names.items():
        if key in explicit:
            path = Path(explicit[key])
            if not path.is_file():
                raise RegisterError(f"berkas {path} tidak ada")
            found[key] = path
        elif directory is not None:
            path = Path(directory) / pattern.format(pemda=pemda, tahun=tahun)
            if path.is_file():
                found[key] = path
    if "kamus" in explicit and tahun is None:
        raise RegisterError("kamus usulan berlaku untuk satu tahun rencana: berikan juga --tahun")
    dprd = [k for k in ("dapil", "anggota", "staf_ahli") if k in found]
    if dprd and len(dprd) != 3:
        missing = [names[k].format(pemda=pemda) for k in ("dapil", "anggota", "staf_ahli") if k not in found]
        raise RegisterError(f"daftar DPRD terdiri dari tiga berkas; tidak ada: {', '.join(missing)}")
    return RegisterFiles(**found)


def read_text(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise RegisterError(f"berkas {path} harus berenkode UTF-8") from None
    except OSError as exc:
        raise RegisterError(f"berkas {path} tidak dapat dibaca: {exc.strerror}") from None


# -- comparable views -------------------------------------------------------------------------------

def _records(text: str) -> tuple[list[str], list[dict[str, str]]] | None:
    try:
        header, rows = read_csv(text)
    except CsvUnreadable:
        return None
    clean = [{str(k).strip().lower(): (v or "").strip() for k, v in row.items() if k is not None} for row in rows]
    return [h.strip().lower() for h in header], clean


def _money(text: str | None) -> Decimal | None:
    if text in (None, ""):
        return None
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


def opd_view(text: str) -> list | None:
    read = _records(text)
    if read is None:
        return None
    return sorted((r.get("kode", ""), r.get("nama", ""), tuple(dict.fromkeys(
        c for c in _OPD_BIDANG.split(r.get("bidang", "")) if c))) for r in read[1])


def api_opd_view(items: list[dict[str, Any]]) -> list:
    return sorted((o["kode"], o["nama"], tuple(o["bidang"])) for o in items)


def register_view(periode: str, dapil: str, anggota: str, staf_ahli: str) -> dict | None:
    files = [_records(t) for t in (dapil, anggota, staf_ahli)]
    if any(f is None for f in files):
        return None
    (_, d_rows), (a_rows_header, a_rows), (_, s_rows) = files
    if any(r.get("telepon") or r.get("email") for r in a_rows) or any(r.get("telepon") for r in s_rows):
        return None  # contact data stays inside pokir: the read cannot show it
    try:
        members = [(r.get("id", ""), r.get("nama", ""), r.get("fraksi", ""), r.get("dapil", ""), _money(r.get("pagu")))
                   for r in a_rows]
    except ValueError:
        return None
    return {"periode": periode,
            "dapil": [(r.get("kode", ""), r.get("nama", ""), tuple(c for c in _DAPIL_KECAMATAN.split(
                r.get("kecamatan", "")) if c)) for r in d_rows],
            "anggota": members,
            "staf_ahli": [(r.get("id", ""), r.get("nama", ""), r.get("anggota_id", "")) for r in s_rows]}


def api_register_view(register: dict[str, Any]) -> dict:
    return {"periode": register["periode"],
            "dapil": [(d["kode"], d["nama"], tuple(d["kecamatan"])) for d in register["dapil"]],
            "anggota": [(a["id"], a["nama"], a["fraksi"], a["dapil"], _money(a["pagu"])) for a in register["anggota"]],
            "staf_ahli": [(s["id"], s["nama"], s["anggota_id"]) for s in register["staf_ahli"]]}


def kamus_view(text: str) -> dict | None:
    """{kode: (nama, sub_kegiatan, opd, satuan, harga_satuan, volume_maks)} of a kamus CSV: the
    import file, or the export (GET .../kamus.csv, the same columns)."""
    read = _records(text)
    if read is None:
        return None
    view = {}
    try:
        for r in read[1]:
            view[r.get("kode", "")] = (r.get("nama", ""), r.get("sub_kegiatan", ""), r.get("opd", ""),
                                       r.get("satuan", ""), _money(r.get("harga_satuan")), _money(r.get("volume_maks")))
    except ValueError:
        return None
    return view


def already_there(from_file, from_api) -> bool:
    """True when everything the file holds is already in the API's read (imports are upserts:
    rows the file does not name stay). A view that could not be made (None) is never there."""
    if from_file is None or from_api is None:
        return False
    if isinstance(from_file, dict):  # kamus {kode: item}; the DPRD register {periode, dapil, anggota, staf_ahli}
        return all(k in from_api and from_api[k] == v for k, v in from_file.items())
    if isinstance(from_file, list):
        return set(from_file) <= set(from_api)
    return from_file == from_api
