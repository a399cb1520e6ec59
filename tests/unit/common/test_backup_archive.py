"""The backup archive's manifest and checks (eplanning_common.backup): an archive is accepted only
when it holds exactly the members its manifest lists, each with its SHA-256 and size, and the
archive itself matches its .sha256; a tampered, truncated, padded or path-escaping archive is
refused with each problem named, before anything is restored."""
import io
import json
import tarfile

import pytest

from eplanning_common.backup import archive, manifest as mf, postgres


def make_archive(tmp_path, files=None):
    staging = tmp_path / "staging"
    files = files or {"databases/rkpd.dump": b"PGDMP rkpd", "databases/gateway.dump": b"PGDMP gateway",
                      "documents/rkpd/12.21/2027/v1/rkpd.json": b'{"versi": "rancangan_awal"}',
                      mf.ANCHORS: b'{"rkpd": "3:' + b"a" * 64 + b'", "gateway": null}'}
    for name, body in files.items():
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        (staging / name).write_bytes(body)
    members = archive.staged_members(staging)
    manifest = mf.build("2026-12-08T01:00:00Z", {"rkpd": "databases/rkpd.dump", "gateway": "databases/gateway.dump"},
                        {"rkpd": "documents/rkpd/"}, members)
    target = tmp_path / "eplanning-20261208T010000Z.tar"
    digest = archive.write(target, staging, manifest)
    return target, manifest, digest


def rewrite(path, change):
    """Copy the tar at `path` member by member through change(info, body) -> [(info, body), ...]."""
    with tarfile.open(path) as tar:
        items = [(info, tar.extractfile(info).read() if info.isfile() else b"") for info in tar.getmembers()]
    with tarfile.open(path, "w") as tar:
        for info, body in items:
            for new_info, new_body in change(info, body):
                new_info.size = len(new_body) if new_info.isfile() else 0
                tar.addfile(new_info, io.BytesIO(new_body) if new_info.isfile() else None)


def refused(path, sha256=None) -> str:
    with pytest.raises(mf.ArchiveRefused) as caught:
        archive.check(path, sha256)
    return "\n".join(caught.value.problems)


def test_a_written_archive_checks_and_extracts(tmp_path):
    path, manifest, digest = make_archive(tmp_path)
    assert archive.check(path) == manifest
    assert (tmp_path / f"{path.name}.sha256").read_text() == f"{digest}  {path.name}\n"
    assert path.stat().st_mode & 0o077 == 0, "the archive holds personal data: owner only"
    with tarfile.open(path) as tar:
        assert tar.getnames()[0] == mf.MANIFEST
    assert archive.extract(path, manifest, "documents/rkpd/", tmp_path / "out") == 1
    assert (tmp_path / "out" / "12.21" / "2027" / "v1" / "rkpd.json").read_bytes() == b'{"versi": "rancangan_awal"}'
    assert json.loads(archive.read_member(path, mf.ANCHORS))["gateway"] is None


def test_a_changed_member_is_refused_by_the_archive_digest_and_by_the_manifest(tmp_path):
    path, _, _ = make_archive(tmp_path)

    def tamper(info, body):
        return [(info, body.replace(b"rancangan_awal", b"rancangan_akhr") if info.name.endswith("rkpd.json") else body)]

    rewrite(path, tamper)
    assert "SHA-256" in refused(path) and "the archive was changed" in refused(path)
    (tmp_path / f"{path.name}.sha256").unlink()  # without the sidecar the manifest still catches it
    problems = refused(path)
    assert "member documents/rkpd/12.21/2027/v1/rkpd.json: SHA-256" in problems and "the manifest says" in problems


def test_a_missing_or_an_added_member_is_refused(tmp_path):
    path, _, _ = make_archive(tmp_path)
    (tmp_path / f"{path.name}.sha256").unlink()
    rewrite(path, lambda info, body: [] if info.name == "databases/gateway.dump" else
            [(info, body)] + ([(tarfile.TarInfo("databases/extra.dump"), b"x")] if info.name == mf.MANIFEST else []))
    problems = refused(path)
    assert "member databases/gateway.dump is missing" in problems
    assert "member databases/extra.dump is not in the manifest" in problems


def test_a_manifest_edited_to_match_a_changed_member_is_caught_by_the_kept_digest(tmp_path):
    path, manifest, digest = make_archive(tmp_path)
    body = b"PGDMP someone else's rkpd"
    manifest["members"]["databases/rkpd.dump"] = {"sha256": mf.digest_stream(io.BytesIO(body)).sha256, "bytes": len(body)}

    def tamper(info, old):
        if info.name == mf.MANIFEST:
            return [(info, json.dumps(manifest).encode())]
        return [(info, body if info.name == "databases/rkpd.dump" else old)]

    rewrite(path, tamper)
    (tmp_path / f"{path.name}.sha256").unlink()
    archive.check(path)  # self-consistent again: only the digest kept elsewhere tells
    assert f"expected {digest}" in refused(path, sha256=digest)


@pytest.mark.parametrize("name", ["../evil", "/etc/cron.d/evil", "documents//x", "documents/./x", "a\\b", "a/ b"])
def test_member_names_that_could_escape_the_target_folder_are_refused(name):
    assert mf.unsafe_name(name)


def test_a_path_escaping_member_or_a_link_is_refused(tmp_path):
    path, _, _ = make_archive(tmp_path)
    (tmp_path / f"{path.name}.sha256").unlink()
    link = tarfile.TarInfo("documents/rkpd/link")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    rewrite(path, lambda info, body: [(info, body)] + ([(link, b"")] if info.name == mf.MANIFEST else []))
    assert "member documents/rkpd/link: not a regular file" in refused(path)
    path, _, _ = make_archive(tmp_path / "2")
    (tmp_path / "2" / f"{path.name}.sha256").unlink()
    rewrite(path, lambda info, body: [(info, body)] + ([(tarfile.TarInfo("../evil"), b"x")] if info.name == mf.MANIFEST else []))
    assert "member '../evil'" in refused(path)


def test_the_manifest_shape_is_checked_field_by_field():
    with pytest.raises(mf.ArchiveRefused) as caught:
        mf.parse({"format": "eplanning-backup/0", "members": {"databases/x.dump": {"sha256": "nope", "bytes": -1}},
                  "databases": {"rkpd": "databases/rkpd.dump"}, "documents": {"rkpd": "documents/rkpd"}})
    problems = caught.value.problems
    assert any("format 'eplanning-backup/0'" in p for p in problems)
    assert any("created_at missing" in p for p in problems)
    assert any("members.databases/x.dump: needs sha256" in p for p in problems)
    assert any("databases.rkpd names 'databases/rkpd.dump', which is not a member" in p for p in problems)
    assert any("documents.rkpd must be a folder prefix" in p for p in problems)
    assert any(f"{mf.ANCHORS} is not a member" in p for p in problems)


def test_not_an_archive_and_a_bad_sidecar_are_refused(tmp_path):
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"\x00" * 10 + b"not a tar")
    assert "no manifest.json" in refused(junk) or "not a readable tar" in refused(junk)
    assert "no such file" in refused(tmp_path / "missing.tar")
    (tmp_path / "junk.tar.sha256").write_text("garbage\n")
    assert "does not hold a SHA-256" in refused(junk)


def test_a_restore_target_is_refused_while_in_use_or_not_empty_unless_forced():
    url = "postgresql://postgres@127.0.0.1:5432/eplanning_rkpd"
    assert postgres.refusal(postgres.Target(url, exists=False, tables=0, sessions=0), force=False) is None
    assert postgres.refusal(postgres.Target(url, exists=True, tables=0, sessions=0), force=False) is None
    assert "is not empty (14 tables)" in postgres.refusal(postgres.Target(url, True, 14, 0), force=False)
    assert postgres.refusal(postgres.Target(url, True, 14, 0), force=True) is None
    in_use = postgres.refusal(postgres.Target(url, True, 14, 2), force=True)
    assert "2 other session(s)" in in_use and "make down" in in_use


def test_the_password_goes_to_libpq_through_the_environment_not_the_command_line():
    conninfo, env = postgres._libpq("postgresql://rkpd:s3cr%27t@db.example:5433/eplanning_rkpd?sslmode=require")
    assert "s3cr" not in conninfo and env["PGPASSWORD"] == "s3cr't"
    assert conninfo == "host='db.example' port='5433' user='rkpd' dbname='eplanning_rkpd' sslmode='require'"


def test_documents_are_moved_aside_never_deleted_even_from_a_mount_point(tmp_path, monkeypatch):
    from pathlib import Path

    from eplanning_common.cli.backup import move_aside

    folder = tmp_path / "rkpd"
    (folder / "12.21").mkdir(parents=True)
    (folder / "12.21" / "rkpd.json").write_text("v1")
    assert move_aside(folder, "before_restore_x") == tmp_path / "rkpd.before_restore_x"
    assert (tmp_path / "rkpd.before_restore_x" / "12.21" / "rkpd.json").read_text() == "v1"

    (folder / "12.21").mkdir(parents=True)
    (folder / "12.21" / "rkpd.json").write_text("v2")
    real_rename = Path.rename

    def mount_point(self, target):  # renaming a volume's mount point fails (EBUSY)
        if self == folder:
            raise OSError(16, "Device or resource busy")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", mount_point)
    aside = move_aside(folder, "before_restore_y")
    assert aside == folder / ".before_restore_y"
    assert (aside / "12.21" / "rkpd.json").read_text() == "v2" and sorted(p.name for p in folder.iterdir()) == [aside.name]
