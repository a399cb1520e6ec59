"""`<service>-refdata --pemda 12.21`: load a kab/kota's region tree into a service's database.

The database is `eplanning_common.config.database_url(service)` (<SERVICE>_DATABASE_URL,
DATABASE_URL or the local default) and must be migrated (`eplanning-migrate <service>`); the CSV
is `data/wilayah_indonesia.csv` from `config.data_dir()` unless `--csv` names another file.
Idempotent. Exit codes: 0 loaded, 1 database not ready, 2 bad input.
"""
from __future__ import annotations

import argparse
import sys

import sqlalchemy as sa

from .. import config

from ..wilayah import RegionLookup, load_wilayah, wilayah


def main(argv: list[str] | None = None, service: str = "musrenbang") -> int:
    prog = f"{service}-refdata"
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("--pemda", required=True, help="kode kabupaten/kota Kemendagri, mis. 12.21")
    parser.add_argument("--csv", help="berkas wilayah (bawaan: data/wilayah_indonesia.csv)")
    args = parser.parse_args(argv)

    engine = sa.create_engine(config.database_url(service), poolclass=sa.pool.NullPool)
    try:
        try:
            with engine.connect() as conn:
                ready = sa.inspect(conn).has_table(wilayah.name)
        except sa.exc.OperationalError as exc:
            print(f"{prog}: basis data tidak dapat dihubungi: {exc.orig}", file=sys.stderr)
            return 1
        if not ready:
            print(f"{prog}: tabel wilayah belum ada; jalankan dulu `eplanning-migrate {service}`",
                  file=sys.stderr)
            return 1
        try:
            counts = load_wilayah(engine, args.pemda, args.csv)
        except (ValueError, FileNotFoundError) as exc:
            print(f"{prog}: {exc}", file=sys.stderr)
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
