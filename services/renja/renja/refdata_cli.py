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
    parser.add_argument("--pemda", help="juga muat daftar OPD contoh data/demo/opd_<pemda>.csv")
    parser.add_argument("--tahun", type=int, help="dengan --pemda: tetapkan siklus tahun ini ke versi --versi")
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
        return _demo_opd(engine, args) if args.pemda else 0
    finally:
        engine.dispose()


def _demo_opd(engine, args) -> int:
    """The illustrative OPD register of a demo pemda, and the cycle pinned to this version."""
    import csv

    from eplanning_common.db import UnitOfWork

    from .domain.opd import parse_opd_rows
    from .repository import Repository

    from eplanning_common.cli import wilayah as wilayah_cli

    loaded = wilayah_cli.main(["--pemda", args.pemda], service="renja")
    if loaded:
        return loaded
    path = config.data_dir() / "demo" / f"opd_{args.pemda}.csv"
    if not path.is_file():
        print(f"renja-refdata: tidak ada daftar OPD contoh untuk {args.pemda}; impor lewat RPC import_opd")
        return 0
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with UnitOfWork(engine, "renja") as uow:
        repo = Repository(uow)
        opds, errors = parse_opd_rows(rows, known_bidang=repo.known_bidang(args.versi))
        if errors:
            for e in errors:
                print(f"renja-refdata: {e}", file=sys.stderr)
            return 2
        repo.save_opds(args.pemda, opds)
        if args.tahun and not repo.has_rows(args.pemda, args.tahun):
            repo.pin_cycle(args.pemda, args.tahun, args.versi)
    print(f"OPD {args.pemda}: {len(opds)} dimuat" + (f"; siklus {args.tahun} memakai {args.versi}" if args.tahun else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
