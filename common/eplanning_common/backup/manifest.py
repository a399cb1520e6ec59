"""The manifest of a backup archive: what each member is and its SHA-256 (pure; no file system).

    {"format": "eplanning-backup/1", "created_at": "2026-12-08T01:02:03Z",
     "databases": {"rkpd": "databases/rkpd.dump", ...},
     "documents": {"rkpd": "documents/rkpd/"},
     "members": {"databases/rkpd.dump": {"sha256": "<64 hex>", "bytes": 12345}, ...}}

`check` compares it with what an archive really holds and names every problem: a member missing,
added, or whose content or size differs; a name that could escape the folder it is extracted into.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import BinaryIO, Mapping

FORMAT = "eplanning-backup/1"
MANIFEST = "manifest.json"
ANCHORS = "audit-anchors.json"
CHUNK = 1024 * 1024
_HEX64 = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[A-Za-z0-9._-]+")


class ArchiveRefused(Exception):
    """The archive is not what its manifest says (or not an archive of this format)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Digest:
    sha256: str
    bytes: int


def digest_stream(stream: BinaryIO) -> Digest:
    h, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        h.update(chunk)
        size += len(chunk)
    return Digest(h.hexdigest(), size)


def unsafe_name(name: str) -> str | None:
    """Why a member name is refused (None: acceptable). Only relative paths of plain segments:
    nothing absolute, no `..`, no empty or odd segment that could land outside the target folder."""
    if not name or name.startswith("/") or "\\" in name:
        return f"member {name!r}: not a relative path"
    for segment in name.split("/"):
        if segment in ("", ".", "..") or not _NAME.fullmatch(segment):
            return f"member {name!r}: segment {segment!r} not allowed"
    return None


def build(created_at: str, databases: Mapping[str, str], documents: Mapping[str, str],
          members: Mapping[str, Digest]) -> dict:
    return {
        "format": FORMAT,
        "created_at": created_at,
        "databases": dict(sorted(databases.items())),
        "documents": dict(sorted(documents.items())),
        "members": {name: {"sha256": d.sha256, "bytes": d.bytes} for name, d in sorted(members.items())},
    }


def parse(doc) -> dict:
    """The manifest if its shape is right, else ArchiveRefused naming each wrong field."""
    if not isinstance(doc, dict):
        raise ArchiveRefused([f"{MANIFEST}: not a JSON object"])
    problems = []
    if doc.get("format") != FORMAT:
        problems.append(f"{MANIFEST}: format {doc.get('format')!r}, expected {FORMAT!r}")
    if not isinstance(doc.get("created_at"), str):
        problems.append(f"{MANIFEST}: created_at missing")
    members = doc.get("members")
    if not isinstance(members, dict) or not members:
        problems.append(f"{MANIFEST}: members missing")
        members = {}
    for name, entry in members.items():
        reason = unsafe_name(name)
        if reason:
            problems.append(reason)
        if not (isinstance(entry, dict) and isinstance(entry.get("sha256"), str) and _HEX64.fullmatch(entry["sha256"])
                and isinstance(entry.get("bytes"), int) and entry["bytes"] >= 0):
            problems.append(f"{MANIFEST}: members.{name}: needs sha256 (64 hex digits) and bytes")
    for field in ("databases", "documents"):
        value = doc.get(field)
        if not isinstance(value, dict):
            problems.append(f"{MANIFEST}: {field} missing")
            continue
        for key, member in value.items():
            if field == "databases" and member not in members:
                problems.append(f"{MANIFEST}: {field}.{key} names {member!r}, which is not a member")
            if field == "documents" and not (isinstance(member, str) and member.endswith("/")):
                problems.append(f"{MANIFEST}: {field}.{key} must be a folder prefix ending in '/'")
    if ANCHORS not in members:
        problems.append(f"{MANIFEST}: {ANCHORS} is not a member")
    if problems:
        raise ArchiveRefused(problems)
    return doc


def check(manifest: dict, found: Mapping[str, Digest]) -> None:
    """ArchiveRefused unless the archive holds exactly the manifest's members, each with its
    recorded SHA-256 and size (`found`: every member except the manifest itself)."""
    problems = [reason for name in found if (reason := unsafe_name(name))]
    listed = manifest["members"]
    for name in sorted(listed.keys() - found.keys()):
        problems.append(f"member {name} is missing")
    for name in sorted(found.keys() - listed.keys()):
        problems.append(f"member {name} is not in the manifest")
    for name in sorted(listed.keys() & found.keys()):
        want, got = listed[name], found[name]
        if got.sha256 != want["sha256"] or got.bytes != want["bytes"]:
            problems.append(f"member {name}: SHA-256 {got.sha256[:12]}… ({got.bytes} bytes), "
                            f"the manifest says {want['sha256'][:12]}… ({want['bytes']} bytes)")
    if problems:
        raise ArchiveRefused(problems)


def parse_sidecar(text: str) -> str:
    """The digest in a `<archive>.sha256` file (sha256sum format: `<hex>  <file name>`)."""
    digest = text.strip().split()[0].lower() if text.strip() else ""
    if not _HEX64.fullmatch(digest):
        raise ArchiveRefused(["the .sha256 file does not hold a SHA-256 (64 hex digits)"])
    return digest
