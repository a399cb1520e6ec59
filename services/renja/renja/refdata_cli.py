"""`renja-refdata --versi sipd-2027`: load the nomenclature as an immutable version into the renja database.

The database is `eplanning_common.config.database_url("renja")` (RENJA_DATABASE_URL, DATABASE_URL
or the local default) and must be migrated (`eplanning-migrate renja`); the CSV is
`data/nomenklatur_kabkota.csv` from `config.data_dir()` unless `--csv` names another file.
Idempotent for the same file. Exit codes: 0 loaded or unchanged, 1 database not ready, 2 bad input
(including a different file under an already loaded version).
"""
from __future__ import annotations

import argparse
import sys

import sqlalchemy as sa

from eplanning_common import config

from .nomenklatur import DEFAULT_SUMBER, TINGKAT, load_nomenklatur, nomenklatur_versi


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="renja-refdata", description=__doc__.splitlines()[0])
    parser.add_argument("--versi", required=True, help="nama versi nomenklatur, mis. sipd-2027")
    parser.add_argument("--csv", help="berkas nomenklatur (bawaan: data/nomenklatur_kabkota.csv)")
    parser.add_argument("--sumber", default=DEFAULT_SUMBER, help=f"keterangan sumber (bawaan: {DEFAULT_SUMBER})")
    args = parser.parse_args(argv)

    engine = sa.create_engine(config.database_url("renja"), poolclass=sa.pool.NullPool)
    try:
        try:
            with engine.connect() as conn:
                ready = sa.inspect(conn).has_table(nomenklatur_versi.name)
        except sa.exc.OperationalError as exc:
            print(f"renja-refdata: basis data tidak dapat dihubungi: {exc.orig}", file=sys.stderr)
            return 1
        if not ready:
            print("renja-refdata: tabel nomenklatur belum ada; jalankan dulu `eplanning-migrate renja`",
                  file=sys.stderr)
            return 1
        try:
            result = load_nomenklatur(engine, args.versi, args.csv, sumber=args.sumber)
        except (ValueError, FileNotFoundError) as exc:
            print(f"renja-refdata: {exc}", file=sys.stderr)
            return 2
        jumlah = ", ".join(f"{result['jumlah'].get(t, 0)} {t}" for t in TINGKAT)
        state = "dimuat" if result["status"] == "loaded" else "sudah ada, tidak berubah"
        print(f"nomenklatur {args.versi} {state} (sha256 {result['sha256'][:12]}…): {jumlah}")
        return 0
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
