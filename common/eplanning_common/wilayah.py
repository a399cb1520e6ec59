"""The region tree of one pemda (kab/kota -> kecamatan -> desa/kelurahan), loaded from the
project's copy of the Kemendagri region codes, `data/wilayah_indonesia.csv` (see data/SOURCES.md).

A musrenbang database serves one kabupaten/kota: `load_wilayah(engine, "12.21")` copies that
kab/kota row, its kecamatan and its desa/kelurahan into the `wilayah` table (migration 0002).
Loading is an upsert on `kode`, so running it again, or after a newer Kepmendagri file, is
harmless; rows that disappear from a newer file are kept (usulan may still point at them).

`RegionLookup` reads the table; it satisfies `musrenbang.domain.RegionDirectory`
(`kecamatan_of`, `name_of`).
"""
from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from eplanning_common import config

metadata = sa.MetaData()

TINGKAT = ("kabupaten_kota", "kecamatan", "desa_kelurahan")

wilayah = sa.Table(
    "wilayah",
    metadata,
    sa.Column("kode", sa.Text, primary_key=True),
    sa.Column("nama", sa.Text, nullable=False),
    sa.Column("tingkat", sa.Text, nullable=False),
    sa.Column("induk", sa.Text, nullable=True),  # parent code; NULL for the kab/kota row
    sa.Column("pemda", sa.Text, nullable=False),  # the kab/kota code, e.g. '12.21'
    sa.CheckConstraint("tingkat in ('kabupaten_kota', 'kecamatan', 'desa_kelurahan')",
                       name="wilayah_tingkat_known"),
)
sa.Index("wilayah_pemda_tingkat", wilayah.c.pemda, wilayah.c.tingkat)
sa.Index("wilayah_induk", wilayah.c.induk)

CSV_NAME = "wilayah_indonesia.csv"
CSV_COLUMNS = ["kode", "nama", "tingkat"]

_PROVINSI = re.compile(r"^[0-9]{2}$")
_KABKOTA = re.compile(r"^[0-9]{2}\.[0-9]{2}$")
# segment count of each level below the province, as in the Kemendagri codes
_SEGMENTS = {"kabupaten_kota": 2, "kecamatan": 3, "desa_kelurahan": 4}


def default_csv_path() -> Path:
    return Path(config.data_dir()) / CSV_NAME


def check_pemda_code(pemda: str) -> str:
    """The trimmed kab/kota code, or ValueError (in Bahasa Indonesia) for anything else."""
    code = (pemda or "").strip() if isinstance(pemda, str) else ""
    if _PROVINSI.match(code):
        raise ValueError(f"Kode {code} adalah kode provinsi; hanya kode kabupaten/kota (mis. 12.21) "
                         "yang dapat dimuat")
    if not _KABKOTA.match(code):
        raise ValueError(f"Kode pemda {pemda!r} tidak sah: gunakan kode kabupaten/kota Kemendagri "
                         "berbentuk NN.NN, mis. 12.21")
    return code


def read_pemda_rows(pemda: str, csv_path=None) -> list[dict]:
    """The kab/kota row, kecamatan and desa/kelurahan of `pemda` from the CSV, as table rows."""
    code = check_pemda_code(pemda)
    path = Path(csv_path) if csv_path is not None else default_csv_path()
    # the file is 91,600 lines (0.3 s to scan): one process loading a pemda into several services'
    # databases (eplanning-onboard) reads it once; a changed file (size or mtime) is read again
    seen = path.stat()
    return [dict(row) for row in _pemda_rows(code, str(path.resolve()), seen.st_mtime_ns, seen.st_size)]


@functools.lru_cache(maxsize=4)
def _pemda_rows(code: str, path: str, _mtime_ns: int, _size: int) -> tuple[dict, ...]:
    prefix = code + "."
    rows: list[dict] = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != CSV_COLUMNS:
            raise ValueError(f"Berkas {path} bukan data wilayah: kolom {reader.fieldnames}, "
                             f"seharusnya {CSV_COLUMNS}")
        for line in reader:
            kode = line["kode"]
            if kode != code and not kode.startswith(prefix):
                continue
            tingkat = line["tingkat"]
            if _SEGMENTS.get(tingkat) != kode.count(".") + 1:
                raise ValueError(f"Baris wilayah {kode} ({tingkat}) tidak sesuai pola kode tingkatnya")
            rows.append({
                "kode": kode,
                "nama": line["nama"],
                "tingkat": tingkat,
                "induk": None if tingkat == "kabupaten_kota" else kode.rpartition(".")[0],
                "pemda": code,
            })
    if not any(r["tingkat"] == "kabupaten_kota" for r in rows):
        raise ValueError(f"Kode pemda {code} tidak ditemukan di data wilayah")
    known = {r["kode"] for r in rows}
    orphans = [r["kode"] for r in rows if r["induk"] is not None and r["induk"] not in known]
    if orphans:
        raise ValueError(f"Data wilayah {code} tidak utuh: induk tidak ditemukan untuk {orphans[:5]}")
    return tuple(rows)


def load_wilayah(engine: sa.Engine, pemda: str, csv_path=None) -> dict:
    """Upsert one pemda's region tree; returns {"kecamatan": n, "desa_kelurahan": m} (rows in the file).

    ValueError (message in Bahasa Indonesia) for a malformed, province or unknown code.
    """
    rows = read_pemda_rows(pemda, csv_path)
    stmt = pg_insert(wilayah)
    stmt = stmt.on_conflict_do_update(
        index_elements=[wilayah.c.kode],
        set_={name: stmt.excluded[name] for name in ("nama", "tingkat", "induk", "pemda")},
    )
    with engine.begin() as conn:
        conn.execute(stmt, rows)
    return {
        "kecamatan": sum(1 for r in rows if r["tingkat"] == "kecamatan"),
        "desa_kelurahan": sum(1 for r in rows if r["tingkat"] == "desa_kelurahan"),
    }


class RegionLookup:
    """Reads over a connection. Rows are SQLAlchemy Row objects (kode, nama, tingkat, induk, pemda)."""

    def __init__(self, conn: sa.Connection):
        self.conn = conn

    def _one(self, kode: str, tingkat: str):
        return self.conn.execute(
            sa.select(wilayah).where(wilayah.c.kode == kode, wilayah.c.tingkat == tingkat)
        ).first()

    def row(self, kode: str):
        """Any loaded region (kab/kota, kecamatan or desa) by code, or None."""
        return self.conn.execute(sa.select(wilayah).where(wilayah.c.kode == kode)).first()

    def desa(self, kode: str):
        """The desa/kelurahan row, or None if `kode` is not a loaded desa/kelurahan."""
        return self._one(kode, "desa_kelurahan")

    def kecamatan(self, kode: str):
        """The kecamatan row, or None."""
        return self._one(kode, "kecamatan")

    def kecamatan_of(self, desa_kode: str, /) -> str | None:
        """The kecamatan code of a loaded desa, None if the desa is unknown (RegionDirectory)."""
        found = self.desa(desa_kode)
        return found.induk if found is not None else None

    def name_of(self, code: str, /) -> str | None:
        """Name of a loaded kecamatan or desa/kelurahan, None if unknown (RegionDirectory)."""
        found = self.row(code)
        return found.nama if found is not None and found.tingkat != "kabupaten_kota" else None

    def kecamatan_list(self, pemda: str) -> list:
        """The kecamatan rows of a pemda, in code order."""
        return list(self.conn.execute(
            sa.select(wilayah)
            .where(wilayah.c.pemda == pemda, wilayah.c.tingkat == "kecamatan")
            .order_by(wilayah.c.kode)
        ))

    def desa_list(self, kecamatan: str) -> list:
        """The desa/kelurahan rows of a kecamatan, in code order."""
        return list(self.conn.execute(
            sa.select(wilayah)
            .where(wilayah.c.induk == kecamatan, wilayah.c.tingkat == "desa_kelurahan")
            .order_by(wilayah.c.kode)
        ))
