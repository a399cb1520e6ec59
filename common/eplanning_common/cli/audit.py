"""eplanning-audit — check the hash-chained audit logs (eplanning_common.audit).

  eplanning-audit verify [--all]                    every chain: the four services and the gateway
  eplanning-audit verify --service NAME [...]       one or more of musrenbang, pokir, renja, rkpd, gateway
  eplanning-audit verify --database URL             the chain in that database
      --anchor SEQ:HASH   (one chain) a head printed earlier and kept elsewhere: the chain must
                          still hold exactly that entry, which also catches a rewrite of the whole
                          chain from a tampered row onward, and entries cut from the end
      --pushgateway URL   also push the result to a Prometheus Pushgateway (default:
                          AUDIT_PUSHGATEWAY_URL; eplanning_common.metrics.push)
  eplanning-audit show --service NAME [--subject S] [--action A] [--after-seq N] [--limit N]
                                                    entries as JSON lines, oldest first

verify prints, per chain, OK with the entry count and the head (SEQ:HASH), or the first broken
link: its seq and what is wrong (gap in seq, prev_hash mismatch, hash mismatch). Exit status 0 when
every chain is sound, 1 when one is broken, 2 when one cannot be read.
"""
import argparse
import json
import os
import sys

import sqlalchemy as sa

from .. import audit, config
from ..metrics.push import ChainResult, push_verification

CHAINS = (*config.SERVICES, "gateway")


def chain_url(name: str) -> str:
    """A chain's database: the service's (config.database_url), or the gateway's (the same rule as
    gateway.settings.database_url, which this package cannot import)."""
    if name == "gateway":
        explicit = os.environ.get("GATEWAY_DATABASE_URL")
        if explicit:
            return explicit
        pg_uri = os.environ.get("PG_URI", config.DEFAULT_PG_URI)
        return f"{pg_uri}/{os.environ.get('DB_PREFIX', 'eplanning_')}gateway"
    return config.database_url(name)


def _safe(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def verify_chain(label: str, url: str, anchor=None, out=sys.stdout, results: list | None = None) -> int:
    """Print the verdict on one chain; return the exit status (0, 1, 2); append a ChainResult to
    `results` if given."""
    status, entries = _verify_chain(label, url, anchor, out)
    if results is not None:
        results.append(ChainResult(label, status, entries))
    return status


def _verify_chain(label: str, url: str, anchor, out) -> tuple[int, int]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            report = audit.verify(conn, anchor)
    except sa.exc.SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        hint = ("  (no audit_log table: migrate it first, `make migrate`)"
                if getattr(reason, "pgcode", None) == "42P01" else "")
        print(f"{label:<11} UNREADABLE  {_safe(url)}: {str(reason).strip().splitlines()[0]}{hint}", file=out)
        return 2, 0
    finally:
        engine.dispose()
    if report.ok:
        head = f"{report.head_seq}:{report.head_hash}" if report.head_seq else "(empty)"
        anchored = f"  anchor {anchor[0]} holds" if anchor else ""
        print(f"{label:<11} OK          {report.count} entries  head {head}{anchored}", file=out)
        return 0, report.count
    print(f"{label:<11} BROKEN      {report.broken}; the {report.count} entries before it are sound", file=out)
    return 1, report.count


def _show(url: str, args, out=sys.stdout) -> int:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            for entry in audit.entries_of(conn, subject=args.subject, action=args.action,
                                          after_seq=args.after_seq, limit=args.limit):
                entry["at"] = audit.time_text(entry["at"])
                print(json.dumps(entry, ensure_ascii=False, default=str), file=out)
    finally:
        engine.dispose()
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="eplanning-audit", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="check every link of the chain(s)")
    which = verify.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true", help="every chain (the default)")
    which.add_argument("--service", action="append", choices=CHAINS, help="a chain by its service (repeatable)")
    which.add_argument("--database", metavar="URL", help="the chain in this database")
    verify.add_argument("--anchor", metavar="SEQ:HASH", help="a head recorded earlier (one chain only)")
    verify.add_argument("--pushgateway", metavar="URL", default=os.environ.get("AUDIT_PUSHGATEWAY_URL") or None,
                        help="push the result to this Prometheus Pushgateway (default: AUDIT_PUSHGATEWAY_URL)")
    show = sub.add_parser("show", help="print entries as JSON lines")
    where = show.add_mutually_exclusive_group(required=True)
    where.add_argument("--service", choices=CHAINS)
    where.add_argument("--database", metavar="URL")
    show.add_argument("--subject")
    show.add_argument("--action")
    show.add_argument("--after-seq", type=int, default=0)
    show.add_argument("--limit", type=int, default=100)
    args = parser.parse_args(argv)

    if args.command == "show":
        return _show(args.database or chain_url(args.service), args)

    if args.database:
        targets = [(sa.engine.make_url(args.database).database or "database", args.database)]
    else:
        targets = [(name, chain_url(name)) for name in (args.service or CHAINS)]
    anchor = None
    if args.anchor:
        if len(targets) != 1:
            parser.error("--anchor checks one chain: name it with --service or --database")
        try:
            anchor = audit.parse_anchor(args.anchor)
        except ValueError as exc:
            parser.error(str(exc))
    results: list[ChainResult] = []
    status = max(verify_chain(label, url, anchor, results=results) for label, url in targets)
    if args.pushgateway:
        try:
            push_verification(args.pushgateway, results)
        except OSError as exc:  # the verdict stands; the missing push is its own failure
            print(f"could not push the result to {args.pushgateway}: {exc}", file=sys.stderr)
            status = max(status, 2)
    if status == 0 and anchor is None:
        print("Keep these heads somewhere this database's administrators cannot rewrite (in the published RKPD, "
              "a daily log line shipped off the machine): `eplanning-audit verify --service NAME --anchor SEQ:HASH` "
              "then also proves that nobody rewrote the chain up to them.")
    return status


if __name__ == "__main__":
    sys.exit(main())
