"""eplanning-backup — save one installation into a dated archive, check an archive, restore one.

  eplanning-backup create [--out DIR] [--documents DIR]
        var/backups/eplanning-<UTC time>.tar and its .sha256: the head SEQ:HASH of every audit
        chain (read first), a pg_dump (custom format) of the five databases (musrenbang, pokir,
        renja, rkpd, gateway), then the RKPD files under --documents (default RKPD_OUTPUT_DIR or
        var/rkpd) if that folder exists, and a manifest with the SHA-256 of every member.
  eplanning-backup check ARCHIVE [--sha256 HEX]
        every member against the manifest, the archive against its .sha256 (or HEX); changes nothing.
  eplanning-backup restore ARCHIVE [--force] [--documents DIR] [--sha256 HEX]
        check first; then each database into a fresh database of the same name (the targets are
        those the services use: <SERVICE>_DATABASE_URL / GATEWAY_DATABASE_URL / PG_URI + DB_PREFIX),
        the documents into --documents, then every audit chain is verified against the anchor
        recorded at backup time. Refused, with nothing changed, while a target has other sessions
        (stop the stack) or is not empty; --force renames non-empty databases (and the documents
        folder) aside to <name>_before_restore_<time> instead of refusing: nothing is dropped.

Exit status: 0 done; 1 an audit chain does not verify (create: at backup time; restore: after it);
2 a database cannot be read or written; 3 the archive or a target is refused (nothing changed).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

from .. import audit
from ..backup import archive, manifest as mf, postgres
from .audit import CHAINS, chain_url, verify_chain

DEFAULT_OUT = "var/backups"


def default_documents() -> Path:
    """Where the RKPD service writes its files (its RKPD_OUTPUT_DIR rule, rkpd.assembly.output_root)."""
    return Path(os.environ.get("RKPD_OUTPUT_DIR", "var/rkpd"))


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _safe(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def read_anchor(url: str) -> tuple[str | None, str | None]:
    """(SEQ:HASH of the chain's head or None when empty, the break if the chain is broken)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            report = audit.verify(conn)
    finally:
        engine.dispose()
    head = f"{report.head_seq}:{report.head_hash}" if report.head_seq else None
    return head, (None if report.ok else str(report.broken))


def create(out: Path, documents: Path, now: datetime | None = None, log=print) -> tuple[Path, int]:
    """Write the archive; returns its path and the exit status (1 when a chain was already broken)."""
    now = now or _now()
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"eplanning-{now:%Y%m%dT%H%M%SZ}.tar"
    if target.exists():
        raise FileExistsError(f"{target} exists already")
    status = 0
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        # the anchors first: each dump starts later, so it holds at least the anchored entry
        anchors = {}
        for name in CHAINS:
            anchors[name], broken = read_anchor(chain_url(name))
            if broken:
                log(f"{name:<11} WARNING: its audit chain is already broken at backup time ({broken}); "
                    "backed up as it is, check it with `eplanning-audit verify`")
                anchors[name], status = None, 1
        (staging / mf.ANCHORS).write_text(json.dumps(anchors, indent=2) + "\n", encoding="utf-8")
        databases = {}
        (staging / "databases").mkdir()
        for name in CHAINS:
            member = f"databases/{name}.dump"
            postgres.dump(chain_url(name), staging / member)
            databases[name] = member
            log(f"{name:<11} dumped      {_safe(chain_url(name))}  head {anchors[name] or '(empty)'}")
        # after the rkpd dump: every version it holds has its files (written before the row commits)
        docs = {}
        if documents.is_dir():
            count = archive.copy_tree(documents, staging / "documents" / "rkpd")
            docs["rkpd"] = "documents/rkpd/"
            log(f"documents   {count} files from {documents}")
        members = archive.staged_members(staging)
        unsafe = [reason for name in members if (reason := mf.unsafe_name(name))]
        if unsafe:
            raise mf.ArchiveRefused(unsafe)
        manifest = mf.build(now.strftime("%Y-%m-%dT%H:%M:%SZ"), databases, docs, members)
        digest = archive.write(target, staging, manifest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log(f"archive     {target}  ({target.stat().st_size} bytes)\nsha256      {digest}  (also in {target.name}.sha256: "
        "keep a copy of it, and of the archive, off this machine)")
    return target, status


def check(path: Path, sha256: str | None = None, log=print) -> dict:
    manifest = archive.check(path, sha256)
    log(f"{path.name}: {len(manifest['members'])} members match the manifest (made {manifest['created_at']})")
    return manifest


def move_aside(folder: Path, suffix: str) -> Path:
    """Rename `folder` to `<folder>.<suffix>`; a mount point (a container's volume) cannot be
    renamed, so then what it holds moves into `<folder>/.<suffix>/` instead. Nothing is deleted."""
    aside = folder.with_name(f"{folder.name}.{suffix}")
    try:
        folder.rename(aside)
        return aside
    except OSError:
        aside = folder / f".{suffix}"
        aside.mkdir()
        for child in list(folder.iterdir()):
            if child != aside:
                child.rename(aside / child.name)
        return aside


def restore(path: Path, documents: Path, force: bool = False, sha256: str | None = None, now: datetime | None = None,
            log=print) -> int:
    manifest = check(path, sha256, log)
    anchors = json.loads(archive.read_member(path, mf.ANCHORS))
    unknown = sorted(set(manifest["databases"]) - set(CHAINS))
    if unknown:
        raise mf.ArchiveRefused([f"databases.{n}: not a database of this installation" for n in unknown])
    targets = {name: postgres.inspect(chain_url(name)) for name in manifest["databases"]}
    refusals = [r for t in targets.values() if (r := postgres.refusal(t, force))]
    restore_documents = "rkpd" in manifest["documents"]
    documents_in_use = restore_documents and documents.is_dir() and any(documents.iterdir())
    if documents_in_use and not force:
        refusals.append(f"{documents} is not empty; FORCE=1 (--force) to rename it aside first")
    if refusals:
        raise postgres.RestoreRefused("\n".join(refusals))

    suffix = f"before_restore_{(now or _now()):%Y%m%dT%H%M%SZ}".lower()
    with tempfile.TemporaryDirectory(prefix="eplanning-restore-") as scratch:
        archive.extract(path, manifest, "databases/", Path(scratch))
        done = []
        for name, member in manifest["databases"].items():
            target = targets[name]
            try:
                aside = postgres.prepare(target, suffix)
                postgres.restore(target.url, Path(scratch) / member.removeprefix("databases/"))
            except (sa.exc.SQLAlchemyError, RuntimeError) as exc:
                raise RuntimeError(f"{exc}\n  restored before it: {', '.join(done) or 'none'}; {target.database} may "
                                   "exist empty. Fix the cause, then restore again with --force") from None
            done.append(name)
            log(f"{name:<11} restored    {_safe(target.url)}" + (f"  (the previous one is now {aside})" if aside else ""))
    if restore_documents:
        if documents_in_use:
            log(f"documents   the previous files are now in {move_aside(documents, suffix)}")
        count = archive.extract(path, manifest, manifest["documents"]["rkpd"], documents)
        log(f"documents   {count} files into {documents}")
    status = 0
    for name in manifest["databases"]:
        anchor = audit.parse_anchor(anchors[name]) if anchors.get(name) else None
        status = max(status, verify_chain(name, chain_url(name), anchor, out=sys.stdout))
    log("restored: every audit chain holds its recorded head" if status == 0 else
        "restored, but an audit chain does not verify against its recorded head (above)")
    return status


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="eplanning-backup", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("create", help="write a dated archive")
    make.add_argument("--out", type=Path, default=Path(DEFAULT_OUT), help=f"folder (default {DEFAULT_OUT})")
    make.add_argument("--documents", type=Path, default=None, help="RKPD files (default RKPD_OUTPUT_DIR or var/rkpd)")
    look = sub.add_parser("check", help="check an archive against its manifest")
    look.add_argument("archive", type=Path)
    look.add_argument("--sha256", help="the archive's digest kept elsewhere (default: its .sha256 file)")
    back = sub.add_parser("restore", help="restore an archive into fresh databases")
    back.add_argument("archive", type=Path)
    back.add_argument("--force", action="store_true", help="rename non-empty targets aside instead of refusing")
    back.add_argument("--documents", type=Path, default=None, help="RKPD files (default RKPD_OUTPUT_DIR or var/rkpd)")
    back.add_argument("--sha256", help="the archive's digest kept elsewhere (default: its .sha256 file)")
    args = parser.parse_args(argv)
    documents = getattr(args, "documents", None) or default_documents()
    try:
        if args.command == "create":
            return create(args.out, documents)[1]
        if args.command == "check":
            check(args.archive, args.sha256)
            return 0
        return restore(args.archive, documents, args.force, args.sha256)
    except mf.ArchiveRefused as exc:
        print("archive refused, nothing changed:\n  " + "\n  ".join(exc.problems), file=sys.stderr)
        return 3
    except postgres.RestoreRefused as exc:
        print(f"restore refused, nothing changed:\n  {str(exc).replace(chr(10), chr(10) + '  ')}", file=sys.stderr)
        return 3
    except (sa.exc.SQLAlchemyError, RuntimeError, FileExistsError) as exc:
        reason = getattr(exc, "orig", None) or exc
        print(f"eplanning-backup {args.command}: {str(reason).strip()}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
