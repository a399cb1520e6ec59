"""The archive file: a tar written from a staging folder with its manifest first, checked member by
member against the manifest before anything is extracted, and extracted only as regular files
under the target folder."""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
from pathlib import Path

from . import manifest as mf


def digest_file(path: Path) -> mf.Digest:
    with open(path, "rb") as f:
        return mf.digest_stream(f)


def staged_members(staging: Path) -> dict[str, mf.Digest]:
    """Every regular file under `staging` by its archive name (a/b/c), with its digest."""
    out = {}
    for path in sorted(staging.rglob("*")):
        if path.is_file() and not path.is_symlink():
            out[path.relative_to(staging).as_posix()] = digest_file(path)
    return out


def write(target: Path, staging: Path, manifest: dict) -> str:
    """Write the tar atomically (a .partial file renamed at the end) and its `.sha256` sidecar;
    returns the archive's SHA-256."""
    partial = target.with_name(target.name + ".partial")
    body = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
    try:
        # mode 600: the dumps hold password hashes and personal data
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as raw, \
                tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            info = tarfile.TarInfo(mf.MANIFEST)
            info.size, info.mode, info.mtime = len(body), 0o600, 0
            tar.addfile(info, io.BytesIO(body))
            for name in manifest["members"]:
                path = staging / name
                info = tar.gettarinfo(str(path), arcname=name)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mode = 0o600
                with open(path, "rb") as f:
                    tar.addfile(info, f)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    with open(partial, "rb") as f:
        digest = mf.digest_stream(f).sha256
    os.replace(partial, target)
    sidecar = target.with_name(target.name + ".sha256")
    sidecar.write_text(f"{digest}  {target.name}\n", encoding="utf-8")
    return digest


def check(path: Path, expected_sha256: str | None = None) -> dict:
    """The manifest of the archive at `path` once every member matches it; ArchiveRefused otherwise.
    `expected_sha256` (or the `.sha256` sidecar beside the archive) checks the archive as a whole."""
    if not path.is_file():
        raise mf.ArchiveRefused([f"{path}: no such file"])
    sidecar = path.with_name(path.name + ".sha256")
    if expected_sha256 is None and sidecar.is_file():
        expected_sha256 = mf.parse_sidecar(sidecar.read_text(encoding="utf-8"))
    if expected_sha256 is not None:
        actual = digest_file(path).sha256
        if actual != expected_sha256.lower():
            raise mf.ArchiveRefused([f"{path.name}: SHA-256 {actual}, expected {expected_sha256.lower()} "
                                     "(the archive was changed or is not the one recorded)"])
    found, manifest = {}, None
    try:
        with tarfile.open(path, "r:") as tar:
            for info in tar:
                if info.name == mf.MANIFEST and manifest is None:
                    try:
                        manifest = mf.parse(json.load(tar.extractfile(info)))
                    except ValueError as exc:
                        raise mf.ArchiveRefused([f"{mf.MANIFEST}: not JSON ({exc})"]) from None
                    continue
                if not info.isfile():
                    raise mf.ArchiveRefused([f"member {info.name}: not a regular file"])
                found[info.name] = mf.digest_stream(tar.extractfile(info))
    except tarfile.TarError as exc:
        raise mf.ArchiveRefused([f"{path.name}: not a readable tar archive ({exc})"]) from None
    if manifest is None:
        raise mf.ArchiveRefused([f"{path.name}: no {mf.MANIFEST}"])
    mf.check(manifest, found)
    return manifest


def read_member(path: Path, name: str) -> bytes:
    with tarfile.open(path, "r:") as tar:
        return tar.extractfile(tar.getmember(name)).read()


def extract(path: Path, manifest: dict, prefix: str, target: Path) -> int:
    """Extract the members under `prefix` into `target` (their names without the prefix), each
    checked again against the manifest while it is written; returns how many."""
    count = 0
    with tarfile.open(path, "r:") as tar:
        for info in tar:
            if not info.name.startswith(prefix) or info.name not in manifest["members"]:
                continue
            destination = target / info.name[len(prefix):]
            destination.parent.mkdir(parents=True, exist_ok=True)
            h = hashlib.sha256()
            with tar.extractfile(info) as source, open(destination, "wb") as out:
                while chunk := source.read(mf.CHUNK):
                    h.update(chunk)
                    out.write(chunk)
            if h.hexdigest() != manifest["members"][info.name]["sha256"]:
                raise mf.ArchiveRefused([f"member {info.name} changed while it was restored"])
            count += 1
    return count


def copy_tree(source: Path, staging: Path) -> int:
    """Copy the regular files under `source` into `staging` (symlinks are not followed); returns how many."""
    count = 0
    for path in sorted(source.rglob("*")):
        if path.is_file() and not path.is_symlink():
            destination = staging / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
            count += 1
    return count
