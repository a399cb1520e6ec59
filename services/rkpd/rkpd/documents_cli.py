"""`rkpd-documents`: the RKPD's files in the document store (DOCUMENT_STORE, eplanning_common.storage).

    rkpd-documents import-local [--pemda 12.21] [--quiet]
                                                  put the files of versions rendered to a local
                                                  folder (RKPD_OUTPUT_DIR, before the store) into
                                                  the store; exit 1 if a file is missing or changed
    rkpd-documents check [--pemda 12.21]          read back every file of every version, checked
                                                  against its SHA-256; exit 1 on any problem
    rkpd-documents copy --from postgres --to s3   copy every stored RKPD file from one store to the
                                                  other (each read back checked; idempotent), before
                                                  switching DOCUMENT_STORE; the rows do not change
"""
from __future__ import annotations

import argparse
import sys

import sqlalchemy as sa

from eplanning_common import config
from eplanning_common.db import UnitOfWork, make_engine
from eplanning_common.storage import StorageError, open_store
from eplanning_common.storage.factory import close_store

from . import documents
from .tables import rkpd_version


def _check(uow, store, pemda) -> int:
    query = sa.select(rkpd_version.c.pemda, rkpd_version.c.tahun, rkpd_version.c.nomor, rkpd_version.c.location,
                      rkpd_version.c.files).order_by(rkpd_version.c.pemda, rkpd_version.c.tahun, rkpd_version.c.nomor)
    if pemda:
        query = query.where(rkpd_version.c.pemda == pemda)
    problems = checked = 0
    for row in uow.execute(query):
        for filename, recorded in (row.files or {}).items():
            name = f"{row.pemda}/{row.tahun}/v{row.nomor} {filename}"
            if documents.is_legacy(row.location):
                print(f"not imported: {name} (still in {row.location}; run rkpd-documents import-local)")
                problems += 1
                continue
            try:
                documents.read(store, row.location, filename, recorded["sha256"])
                checked += 1
            except StorageError as error:
                print(f"PROBLEM {name}: {error}")
                problems += 1
    print(f"{checked} files read back and checked in the {store.kind} store; {problems} problems")
    return 1 if problems else 0


def _copy(url: str, source_kind: str, target_kind: str) -> int:
    source, target = open_store(url, kind=source_kind), open_store(url, kind=target_kind)
    try:
        keys = source.list("rkpd/")
        for key in keys:
            recorded = source.head(key)
            target.put(key, source.get(key), recorded.media_type)
        print(f"{len(keys)} files copied from the {source.kind} store to the {target.kind} store")
        return 0
    finally:
        close_store(source)
        close_store(target)


def main(argv=None) -> int:
    try:
        return _main(argv)
    except (sa.exc.DBAPIError, StorageError) as error:
        print(f"rkpd-documents: {type(error).__name__}: {str(error).splitlines()[0]}", file=sys.stderr)
        return 2


def _main(argv) -> int:
    parser = argparse.ArgumentParser(prog="rkpd-documents", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("import-local", "check", "copy"))
    parser.add_argument("--pemda", help="only this pemda (e.g. 12.21)")
    parser.add_argument("--quiet", action="store_true", help="say nothing when there is nothing to do")
    parser.add_argument("--from", dest="source", choices=config.DOCUMENT_STORES, help="copy: the store to read")
    parser.add_argument("--to", dest="target", choices=config.DOCUMENT_STORES, help="copy: the store to write")
    args = parser.parse_args(argv)
    url = config.database_url("rkpd")
    if args.command == "copy":
        if not args.source or not args.target or args.source == args.target:
            parser.error("copy needs --from and --to, two different stores")
        return _copy(url, args.source, args.target)
    engine = make_engine(url, pool_size=2)
    store = open_store(url)
    try:
        with UnitOfWork(engine, "rkpd") as uow:
            if args.command == "check":
                return _check(uow, store, args.pemda)
            report = documents.import_local(uow, store, args.pemda)
        for name in report.imported:
            print(f"imported {name} into the {store.kind} store")
        for line in report.missing:
            print(f"MISSING {line} (the version stays unimported; restore the folder and run again)")
        for line in report.mismatched:
            print(f"CHANGED {line} (its SHA-256 differs from the one recorded; not imported)")
        if report.imported or not report.ok or not args.quiet:
            print(f"{len(report.imported)} versions imported, {len(report.missing) + len(report.mismatched)} problems")
        return 0 if report.ok else 1
    finally:
        close_store(store)
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
