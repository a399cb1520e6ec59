"""`musrenbang-refdata --pemda 12.21`: load a kab/kota's region tree into the musrenbang database.

The database is `eplanning_common.config.database_url("musrenbang")` (MUSRENBANG_DATABASE_URL,
DATABASE_URL or the local default) and must be migrated (`eplanning-migrate musrenbang`); the CSV
is `data/wilayah_indonesia.csv` from `config.data_dir()` unless `--csv` names another file.
Idempotent. Exit codes: 0 loaded, 1 database not ready, 2 bad input.
"""
from __future__ import annotations

import argparse
import sys

import sqlalchemy as sa

from eplanning_common import config

from .wilayah import RegionLookup, load_wilayah, wilayah


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="musrenbang-refdata", description=__doc__.splitlines()[0])
    parser.add_argument("--pemda", required=True, help="kode kabupaten/kota Kemendagri, mis. 12.21")
    parser.add_argument("--csv", help="berkas wilayah (bawaan: data/wilayah_indonesia.csv)")
    args = parser.parse_args(argv)

    engine = sa.create_engine(config.database_url("musrenbang"), poolclass=sa.pool.NullPool)
    try:
        try:
            with engine.connect() as conn:
                ready = sa.inspect(conn).has_table(wilayah.name)
        except sa.exc.OperationalError as exc:
            print(f"musrenbang-refdata: basis data tidak dapat dihubungi: {exc.orig}", file=sys.stderr)
            return 1
        if not ready:
            print("musrenbang-refdata: tabel wilayah belum ada; jalankan dulu `eplanning-migrate musrenbang`",
                  file=sys.stderr)
            return 1
        try:
            counts = load_wilayah(engine, args.pemda, args.csv)
        except (ValueError, FileNotFoundError) as exc:
            print(f"musrenbang-refdata: {exc}", file=sys.stderr)
            return 2
        with engine.connect() as conn:
            kabkota = RegionLookup(conn).row(args.pemda.strip())
        print(f"{kabkota.kode} {kabkota.nama}: {counts['kecamatan']} kecamatan, "
              f"{counts['desa_kelurahan']} desa/kelurahan dimuat")
        return 0
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
