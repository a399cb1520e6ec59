"""`pokir-refdata --pemda 12.21 [--periode 2024-2029]`: load the region tree and the (illustrative)
demo DPRD register from data/demo/ into the pokir database. Idempotent. Exit codes as
`musrenbang-refdata`: 0 loaded, 1 database not ready, 2 bad input."""
import argparse
import csv
import sys

import sqlalchemy as sa

from eplanning_common import config
from eplanning_common.cli import wilayah as wilayah_cli
from eplanning_common.db import UnitOfWork

from .domain import parse_register_rows
from .repository import Repository


def _read(path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="pokir-refdata", description=__doc__.splitlines()[0])
    parser.add_argument("--pemda", required=True)
    parser.add_argument("--periode", default="2024-2029")
    args = parser.parse_args(argv)
    code = wilayah_cli.main(["--pemda", args.pemda], service="pokir")
    if code:
        return code
    demo = config.data_dir() / "demo"
    files = [demo / f"dprd_{name}_{args.pemda}.csv" for name in ("dapil", "anggota", "staf_ahli")]
    if not all(f.is_file() for f in files):
        print(f"pokir-refdata: tidak ada daftar DPRD contoh untuk {args.pemda}; impor lewat RPC import_register")
        return 0
    engine = sa.create_engine(config.database_url("pokir"), poolclass=sa.pool.NullPool)
    try:
        with UnitOfWork(engine, "pokir") as uow:
            repo = Repository(uow)
            register, errors = parse_register_rows(*(_read(f) for f in files), pemda=args.pemda,
                                                   periode=args.periode, regions=repo.regions(args.pemda))
            if errors:
                for e in errors:
                    print(f"pokir-refdata: {e}", file=sys.stderr)
                return 2
            repo.save_register(register, "pokir-refdata")
    finally:
        engine.dispose()
    print(f"DPRD {args.pemda} {args.periode}: {len(register.dapil)} dapil, {len(register.anggota)} anggota, "
          f"{len(register.staf_ahli)} staf ahli dimuat")
    return 0


if __name__ == "__main__":
    sys.exit(main())
