"""An RKPD version's files in the service's document store (eplanning_common.storage).

No replica keeps documents on its own disk: the renderer writes the four files into a temporary
folder, they are put into the store and the folder is gone. Keys:

    rkpd/<pemda>/<tahun>/v<nomor>/<sha256>/<filename>

The version row's `location` is the prefix `rkpd/<pemda>/<tahun>/v<nomor>` and its `files` the
SHA-256 and size of each file, so a read knows exactly which bytes it must find. The SHA-256 in
the key makes a put idempotent whatever happens around it: an assembly that rendered, put and then
crashed before its version row committed leaves objects no row names (harmless), and the retry
puts its own bytes beside them, never over them.

Versions rendered before the store existed have an absolute folder as `location` (the old
RKPD_OUTPUT_DIR layout): `import_local` (the `rkpd-documents import-local` command) checks each of
their files against its recorded SHA-256, puts it and points the row at the store.
"""
from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from eplanning_common.storage import DocumentStore

from .render import render_in_subprocess
from .tables import rkpd_version

log = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# format -> (file name, media type)
FORMATS = {
    "json": ("rkpd.json", "application/json"),
    "xlsx": ("rkpd.xlsx", XLSX),
    "html": ("rkpd.html", "text/html; charset=utf-8"),
    "pdf": ("rkpd.pdf", "application/pdf"),
}
MEDIA_TYPES = dict(FORMATS.values())


def location(pemda: str, tahun: int, nomor: int) -> str:
    return f"rkpd/{pemda}/{tahun}/v{nomor}"


def key(version_location: str, filename: str, sha256: str) -> str:
    return f"{version_location}/{sha256}/{filename}"


def is_legacy(version_location: str) -> bool:
    """A folder on some replica's disk (before the store), not a key prefix."""
    return version_location.startswith("/")


def put_files(store: DocumentStore, version_location: str, folder: Path, files: dict) -> None:
    """Put each rendered file of `folder`, checked against the digest the renderer reported."""
    for filename, recorded in files.items():
        content = (Path(folder) / filename).read_bytes()
        if hashlib.sha256(content).hexdigest() != recorded["sha256"] or len(content) != recorded["bytes"]:
            raise RuntimeError(f"{filename} changed between rendering and storing")
        store.put(key(version_location, filename, recorded["sha256"]), content,
                  MEDIA_TYPES.get(filename, "application/octet-stream"))


def render_and_put(store: DocumentStore, document: dict) -> tuple[str, dict]:
    """Render `document` (in a child process) and put its files: `(location, files)`."""
    where = location(document["pemda"], document["tahun"], document["nomor_versi"])
    with tempfile.TemporaryDirectory(prefix="rkpd-files-") as tmp:
        files = render_in_subprocess(document, Path(tmp))
        put_files(store, where, Path(tmp), files)
    return where, files


def read(store: DocumentStore, version_location: str, filename: str, sha256: str) -> bytes:
    """The file's bytes, only if they hash to `sha256` (ObjectMissing / ObjectCorrupt otherwise)."""
    return store.get(key(version_location, filename, sha256), sha256=sha256)


# -- versions rendered to a local folder before the store ----------------------------------------


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)       # "12.21/2027/v1"
    missing: list[str] = field(default_factory=list)        # "12.21/2027/v1: /var/rkpd/.../rkpd.pdf"
    mismatched: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.mismatched


def import_local(uow, store: DocumentStore, pemda: str | None = None) -> ImportReport:
    """Put the files of every version whose `location` is still a local folder into `store` and
    point the row at the store. A version with a file missing or changed on disk is left as it
    is (reported; run it again once the folder is back). Safe to run any number of times."""
    report = ImportReport()
    query = sa.select(rkpd_version.c.pemda, rkpd_version.c.tahun, rkpd_version.c.nomor, rkpd_version.c.location,
                      rkpd_version.c.files).where(rkpd_version.c.location.startswith("/"))
    if pemda is not None:
        query = query.where(rkpd_version.c.pemda == pemda)
    for row in uow.execute(query.order_by(rkpd_version.c.pemda, rkpd_version.c.tahun, rkpd_version.c.nomor)).all():
        name = f"{row.pemda}/{row.tahun}/v{row.nomor}"
        contents, problems = {}, False
        for filename, recorded in (row.files or {}).items():
            path = Path(row.location) / filename
            try:
                content = path.read_bytes()
            except FileNotFoundError:
                report.missing.append(f"{name}: {path}")
                problems = True
                continue
            if hashlib.sha256(content).hexdigest() != recorded["sha256"] or len(content) != recorded["bytes"]:
                report.mismatched.append(f"{name}: {path}")
                problems = True
                continue
            contents[filename] = (recorded["sha256"], content)
        if problems:
            continue
        target = location(row.pemda, row.tahun, row.nomor)
        for filename, (sha256, content) in contents.items():
            store.put(key(target, filename, sha256), content, MEDIA_TYPES.get(filename, "application/octet-stream"))
        uow.execute(rkpd_version.update().where(rkpd_version.c.pemda == row.pemda, rkpd_version.c.tahun == row.tahun,
                                                rkpd_version.c.nomor == row.nomor).values(location=target))
        report.imported.append(name)
        log.info("imported the local files of RKPD %s into the %s document store", name, store.kind)
    return report
