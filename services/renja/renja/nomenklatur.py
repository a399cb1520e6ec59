"""The national nomenclature (kodefikasi) as versioned master data: urusan `2` -> bidang urusan
`2.09` -> program `2.09.03` -> kegiatan `2.09.03.1.01` -> sub kegiatan `2.09.03.1.01.0006`.

Loaded from the project's copy `data/nomenklatur_kabkota.csv` (read data/SOURCES.md):

* **Versions are immutable.** `load_nomenklatur(engine, "sipd-2027")` inserts every row of the
  file under that version in one transaction and records the file's SHA-256. Loading the same
  version again with the same file is a no-op (`status == "unchanged"`); with a different file it
  raises `NomenklaturVersionConflict`: a planning cycle stays pinned to the exact rows it used, so
  a revised file must be loaded under a new version name.
* **The `X.XX` template is stored as in the source.** The shared support program ("PROGRAM
  PENUNJANG URUSAN PEMERINTAHAN DAERAH KABUPATEN/KOTA") exists once, as `X` -> `X.XX` ->
  `X.XX.01` -> `X.XX.01.2.01` -> `X.XX.01.2.01.0001`; no per-bidang copies are stored. Every bidang
  uses its own copy of those codes: `expand_template("1.02", "X.XX.01.2.01.0001")` gives
  `1.02.01.2.01.0001`, and `resolve`/`sub_kegiatan` find a concrete code such as
  `1.02.01.2.01.0001` through its template when bidang `1.02` exists in the version.
* **`jenis_kegiatan`** (kegiatan and sub kegiatan only) is the meaning of the 4th code segment:
  `2` umum (every kab/kota), `3`/`4` otsus_papua, `5` keistimewaan_diy, `7` kekhususan_aceh.
* `induk` is the parent code (a kegiatan's parent is its program: `1.02.02.2.02` -> `1.02.02`).
* Empty kinerja / indikator / satuan (every level above sub kegiatan) are stored as NULL.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert

from eplanning_common import config

metadata = sa.MetaData()

TINGKAT = ("urusan", "bidang_urusan", "program", "kegiatan", "sub_kegiatan")
JENIS_KEGIATAN = {"2": "umum", "3": "otsus_papua", "4": "otsus_papua", "5": "keistimewaan_diy",
                  "7": "kekhususan_aceh"}
DEFAULT_SUMBER = "SIPD pemutakhiran TA 2027"
CSV_NAME = "nomenklatur_kabkota.csv"
CSV_COLUMNS = ["kode", "tingkat", "nama", "kinerja", "indikator", "satuan"]
TEMPLATE_BIDANG = "X.XX"

nomenklatur_versi = sa.Table(
    "nomenklatur_versi",
    metadata,
    sa.Column("versi", sa.Text, primary_key=True),
    sa.Column("sumber", sa.Text),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("dimuat_pada", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("jumlah", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
)

nomenklatur = sa.Table(
    "nomenklatur",
    metadata,
    sa.Column("versi", sa.Text, sa.ForeignKey("nomenklatur_versi.versi"), primary_key=True),
    sa.Column("kode", sa.Text, primary_key=True),
    sa.Column("tingkat", sa.Text, nullable=False),
    sa.Column("nama", sa.Text, nullable=False),
    sa.Column("kinerja", sa.Text),
    sa.Column("indikator", sa.Text),
    sa.Column("satuan", sa.Text),
    sa.Column("induk", sa.Text),
    sa.Column("jenis_kegiatan", sa.Text),
)
sa.Index("nomenklatur_versi_tingkat", nomenklatur.c.versi, nomenklatur.c.tingkat)
sa.Index("nomenklatur_versi_induk", nomenklatur.c.versi, nomenklatur.c.induk)


class NomenklaturVersionConflict(ValueError):
    """The version name is already loaded from a different file; versions are never rewritten."""


_BIDANG = r"(?:[0-9]\.[0-9]{2}|X\.XX)"
_PATTERNS = {
    "urusan": re.compile(r"^(?:[0-9]|X)$"),
    "bidang_urusan": re.compile(rf"^{_BIDANG}$"),
    "program": re.compile(rf"^{_BIDANG}\.[0-9]{{2}}$"),
    "kegiatan": re.compile(rf"^{_BIDANG}\.[0-9]{{2}}\.[0-9]\.[0-9]{{2}}$"),
    "sub_kegiatan": re.compile(rf"^{_BIDANG}\.[0-9]{{2}}\.[0-9]\.[0-9]{{2}}\.[0-9]{{4}}$"),
}
# how many leading segments of a code form its parent's code
_PARENT_SEGMENTS = {"urusan": 0, "bidang_urusan": 1, "program": 2, "kegiatan": 3, "sub_kegiatan": 5}
_VERSI = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_CONCRETE = re.compile(r"^([0-9]\.[0-9]{2})\.(.+)$")


def default_csv_path() -> Path:
    return Path(config.data_dir()) / CSV_NAME


def check_versi(versi: str) -> str:
    if not isinstance(versi, str) or not _VERSI.match(versi):
        raise ValueError(f"Nama versi nomenklatur {versi!r} tidak sah: gunakan huruf, angka, '.', '_' "
                         "atau '-' (mis. sipd-2027)")
    return versi


def parent_of(kode: str, tingkat: str) -> str | None:
    keep = _PARENT_SEGMENTS[tingkat]
    return ".".join(kode.split(".")[:keep]) if keep else None


def jenis_kegiatan_of(kode: str, tingkat: str) -> str | None:
    """Meaning of the 4th segment for kegiatan / sub kegiatan; None for the higher levels."""
    if tingkat not in ("kegiatan", "sub_kegiatan"):
        return None
    digit = kode.split(".")[3]
    try:
        return JENIS_KEGIATAN[digit]
    except KeyError:
        raise ValueError(f"Kode {kode}: jenis kegiatan (segmen ke-4) {digit!r} tidak dikenal") from None


def parse_nomenklatur(data: bytes, origin: str = "berkas") -> tuple[list[dict], dict]:
    """Validated table rows (without `versi`) and counts per tingkat, from the CSV bytes."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{origin} bukan UTF-8: {exc}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames != CSV_COLUMNS:
        raise ValueError(f"{origin} bukan data nomenklatur: kolom {reader.fieldnames}, seharusnya {CSV_COLUMNS}")
    rows: list[dict] = []
    seen: set[str] = set()
    jumlah = {t: 0 for t in TINGKAT}
    for line_no, line in enumerate(reader, start=2):
        kode, tingkat = (line["kode"] or "").strip(), (line["tingkat"] or "").strip()
        if tingkat not in _PATTERNS:
            raise ValueError(f"{origin} baris {line_no}: tingkat {tingkat!r} tidak dikenal")
        if not _PATTERNS[tingkat].match(kode):
            raise ValueError(f"{origin} baris {line_no}: kode {kode!r} tidak sesuai pola {tingkat}")
        if kode in seen:
            raise ValueError(f"{origin} baris {line_no}: kode {kode} ganda")
        if not (line["nama"] or "").strip():
            raise ValueError(f"{origin} baris {line_no}: kode {kode} tanpa nama")
        seen.add(kode)
        jumlah[tingkat] += 1
        rows.append({
            "kode": kode,
            "tingkat": tingkat,
            "nama": line["nama"],
            "kinerja": line["kinerja"] or None,
            "indikator": line["indikator"] or None,
            "satuan": line["satuan"] or None,
            "induk": parent_of(kode, tingkat),
            "jenis_kegiatan": jenis_kegiatan_of(kode, tingkat),
        })
    orphans = [r["kode"] for r in rows if r["induk"] is not None and r["induk"] not in seen]
    if orphans:
        raise ValueError(f"{origin}: induk tidak ditemukan untuk {len(orphans)} kode, mis. {orphans[:5]}")
    if not rows:
        raise ValueError(f"{origin} tidak berisi baris nomenklatur")
    return rows, jumlah


def _outcome_for_existing(existing, versi: str, digest: str) -> dict:
    if existing.sha256 != digest:
        raise NomenklaturVersionConflict(
            f"Versi nomenklatur {versi} sudah dimuat dari berkas lain (sha256 tersimpan {existing.sha256[:12]}…, "
            f"berkas ini {digest[:12]}…). Versi yang sudah dimuat tidak pernah ditulis ulang; "
            "muat berkas ini dengan nama versi baru.")
    return {"status": "unchanged", "versi": versi, "sha256": digest, "jumlah": dict(existing.jumlah)}


def load_nomenklatur(engine: sa.Engine, versi: str, csv_path=None, sumber: str = DEFAULT_SUMBER) -> dict:
    """Load the CSV as version `versi`, all rows in one transaction.

    Returns {"status": "loaded", "versi", "sha256", "jumlah": {tingkat: n}} for a new version,
    {"status": "unchanged", ...} when the version exists with the same file digest; raises
    NomenklaturVersionConflict (a ValueError) when it exists with a different digest, ValueError
    for a bad version name or file.
    """
    check_versi(versi)
    path = Path(csv_path) if csv_path is not None else default_csv_path()
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    select_existing = sa.select(nomenklatur_versi).where(nomenklatur_versi.c.versi == versi)
    with engine.begin() as conn:
        existing = conn.execute(select_existing).first()
        if existing is not None:
            return _outcome_for_existing(existing, versi, digest)
        rows, jumlah = parse_nomenklatur(data, origin=str(path))
        claimed = conn.execute(
            pg_insert(nomenklatur_versi)
            .values(versi=versi, sumber=sumber, sha256=digest, jumlah=jumlah)
            .on_conflict_do_nothing(index_elements=[nomenklatur_versi.c.versi])
            .returning(nomenklatur_versi.c.versi)
        ).first()
        if claimed is None:  # a concurrent loader committed this version first
            return _outcome_for_existing(conn.execute(select_existing).one(), versi, digest)
        conn.execute(sa.insert(nomenklatur), [{"versi": versi, **row} for row in rows])
    return {"status": "loaded", "versi": versi, "sha256": digest, "jumlah": jumlah}


def expand_template(bidang_kode: str, template_kode: str) -> str:
    """The bidang's own copy of an `X.XX` template code: ('1.02', 'X.XX.01.2.01.0001') -> '1.02.01.2.01.0001'."""
    if not re.fullmatch(r"[0-9]\.[0-9]{2}", bidang_kode or ""):
        raise ValueError(f"Kode bidang urusan {bidang_kode!r} tidak sah (bentuk N.NN, mis. 1.02)")
    if template_kode != TEMPLATE_BIDANG and not (template_kode or "").startswith(TEMPLATE_BIDANG + "."):
        raise ValueError(f"Kode {template_kode!r} bukan kode templat {TEMPLATE_BIDANG}")
    return bidang_kode + template_kode[len(TEMPLATE_BIDANG):]


def resolve(conn: sa.Connection, versi: str, kode: str, tingkat: str | None = None) -> dict | None:
    """The row of `kode` in `versi` as a dict, also for a bidang's copy of an `X.XX` template code.

    A template-derived row carries the concrete `kode` and `induk` and the source `template_kode`
    (None for a row stored as such). None when the code is unknown in that version (or not of
    `tingkat`, when given).
    """
    def lookup(code: str):
        stmt = sa.select(nomenklatur).where(nomenklatur.c.versi == versi, nomenklatur.c.kode == code)
        if tingkat is not None:
            stmt = stmt.where(nomenklatur.c.tingkat == tingkat)
        return conn.execute(stmt).first()

    found = lookup(kode)
    if found is not None:
        return {**found._mapping, "template_kode": None}
    match = _CONCRETE.match(kode or "")
    if match is None:
        return None
    bidang, rest = match.groups()
    template_kode = f"{TEMPLATE_BIDANG}.{rest}"
    template = lookup(template_kode)
    if template is None:
        return None
    bidang_known = conn.execute(
        sa.select(nomenklatur.c.kode).where(nomenklatur.c.versi == versi, nomenklatur.c.kode == bidang,
                                            nomenklatur.c.tingkat == "bidang_urusan")
    ).first()
    if bidang_known is None:
        return None
    row = dict(template._mapping)
    row["kode"] = expand_template(bidang, template_kode)
    row["induk"] = expand_template(bidang, row["induk"]) if row["induk"].startswith(TEMPLATE_BIDANG) else row["induk"]
    row["template_kode"] = template_kode
    return row


def sub_kegiatan(conn: sa.Connection, versi: str, kode: str) -> dict | None:
    """The sub kegiatan `kode` of `versi` (a stored code, or a bidang's copy of an `X.XX` template
    sub kegiatan, e.g. '1.02.01.2.01.0001'), as a dict with the concrete code; None if unknown."""
    return resolve(conn, versi, kode, tingkat="sub_kegiatan")
