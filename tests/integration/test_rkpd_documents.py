"""The RKPD's files live in the document store, not on a replica's disk: a version rendered by one
replica is served by another after the first is gone, replicas side by side (two RKPD services,
two gateways) all serve every version, and versions rendered to a local folder before the store stay readable after
`rkpd-documents import-local` (here into a real S3 API server)."""
import base64
import hashlib
import json
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from . import support
from .conftest import ROOT, nameko_process
from .gateway_stack import start_gateway, stop_gateway
from .s3_server import s3_server
from .test_rkpd import PEMDA, TAHUN, bappeda_rpc, publish, purge_rkpd_queues, synthetic_cycle, upstream  # noqa: F401

pytestmark = pytest.mark.timeout(240)


def replica(amqp_uri, database_url, disk: Path):
    """A `nameko run rkpd.service` process with a disk of its own (TMPDIR and the old
    RKPD_OUTPUT_DIR), as a pod with its emptyDir."""
    disk.mkdir(parents=True, exist_ok=True)
    return nameko_process("rkpd.service", {"AMQP_URI": amqp_uri, "DATABASE_URL": database_url, "TMPDIR": str(disk),
                                           "RKPD_OUTPUT_DIR": str(disk / "rkpd"), "DOCUMENT_STORE": "postgres",
                                           "SERVICE_NAME": "rkpd", "LOG_LEVEL": "WARNING"}, ROOT)


def files_of(rpc, nomor):
    out = {}
    for fmt in ("json", "xlsx", "html", "pdf"):
        got = rpc.rkpd.document_file(TAHUN, nomor, fmt)
        content = base64.b64decode(got["content_base64"])
        assert hashlib.sha256(content).hexdigest() == got["sha256"]
        out[fmt] = got["sha256"]
    return out


def test_a_version_rendered_by_one_replica_is_served_by_the_others(amqp_uri, upstream, tmp_path):
    url = support.service_database("rkpd", "replicas")
    purge_rkpd_queues(amqp_uri)
    data, closes = synthetic_cycle()
    with bappeda_rpc(amqp_uri) as rpc:
        with replica(amqp_uri, url, tmp_path / "a") as a:
            consuming(amqp_uri, 1, a)
            publish(amqp_uri, data + closes)
            [v1] = support.wait_for(lambda: rpc.rkpd.versions(TAHUN), timeout=120, what="version 1 from replica A")
            a.send_signal(signal.SIGKILL)  # the pod is gone, and its disk with it
            a.wait(timeout=10)
        shutil.rmtree(tmp_path / "a")
        recorded = {fmt: v1["files"][name]["sha256"] for fmt, name in
                    (("json", "rkpd.json"), ("xlsx", "rkpd.xlsx"), ("html", "rkpd.html"), ("pdf", "rkpd.pdf"))}
        assert v1["location"] == f"rkpd/{PEMDA}/{TAHUN}/v1"

        with replica(amqp_uri, url, tmp_path / "b") as b:
            consuming(amqp_uri, 1, b)
            assert files_of(rpc, 1) == recorded

            with replica(amqp_uri, url, tmp_path / "c") as c:  # side by side: B and C share the queue
                consuming(amqp_uri, 2, b, c)
                promoted = rpc.rkpd.promote(TAHUN, "rancangan")  # rendered by whichever replica took it
                for _ in range(4):  # round robin over both replicas: each serves both versions
                    assert files_of(rpc, 1) == recorded
                    assert files_of(rpc, 2) == {fmt: promoted["files"][f"rkpd.{fmt}"]["sha256"]
                                                for fmt in recorded}
                with support.signed_proxy(amqp_uri, None) as anonymous:
                    public = anonymous.rkpd.public_rkpd_file(PEMDA, TAHUN, "pdf")
                assert public["nomor"] == 2 and public["sha256"] == promoted["files"]["rkpd.pdf"]["sha256"]
                # two gateway replicas beside the two RKPD replicas serve the same bytes of the published
                # version (the public endpoint: only a published version is served there)
                gateways = []
                for n in (1, 2):
                    (tmp_path / f"gw{n}").mkdir()
                    gateways.append(start_gateway(amqp_uri, f"replica{n}", tmp_path / f"gw{n}", workers=1))
                try:
                    for nomor, expected in ((2, files_of(rpc, 2)),):
                        for gateway in gateways:
                            for fmt, sha in expected.items():
                                got = gateway.request("GET", f"/v1/public/rkpd/{PEMDA}/{TAHUN}/{fmt}?nomor={nomor}")
                                assert got.status == 200, (gateway.url, nomor, fmt, got.status, got.body[:300])
                                assert hashlib.sha256(got.body).hexdigest() == sha, (gateway.url, nomor, fmt)
                finally:
                    for gateway in gateways:
                        stop_gateway(gateway)
                assert c.poll() is None and b.poll() is None
    # nothing a replica wrote stayed on its disk
    leftovers = [p for p in (tmp_path / "b").rglob("*") if p.is_file()] + \
                [p for p in (tmp_path / "c").rglob("*") if p.is_file()]
    assert leftovers == []


def consuming(amqp_uri, count, *procs):
    """Wait until `count` replicas consume the RPC queue (failing at once if one exited)."""
    from eplanning_common.publisher import open_connection

    def consumers():
        for proc in procs:
            assert proc.poll() is None, proc.stdout.read().decode(errors="replace")[-3000:]
        conn = open_connection(amqp_uri)
        try:
            return conn.channel().queue_declare("rpc-rkpd", passive=True).consumer_count
        except Exception:  # noqa: BLE001 - the queue is not declared yet
            return 0
        finally:
            conn.close()
    support.wait_for(lambda: consumers() == count, timeout=60, interval=0.2, what=f"{count} rkpd replicas consuming")


# -- versions rendered to a local folder before the store -----------------------------------------------


def _legacy_version(engine, folder: Path, nomor: int) -> dict:
    """A version row as the service wrote it before the store: its files in `folder`."""
    contents = {"rkpd.json": b'{"nomor_versi": %d}' % nomor, "rkpd.pdf": b"%PDF-1.7 legacy " + bytes([nomor]) * 100}
    folder.mkdir(parents=True)
    files = {}
    for name, content in contents.items():
        (folder / name).write_bytes(content)
        files[name] = {"sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
    with engine.begin() as conn:
        conn.execute(sa.text(
            "insert into rkpd_version (pemda, tahun, nomor, versi, content_hash, location, files, document) "
            "values (:p, :t, :n, 'rancangan awal', :h, :l, cast(:f as jsonb), cast(:d as jsonb))"),
            {"p": PEMDA, "t": TAHUN, "n": nomor, "h": "0" * 64, "l": str(folder), "f": json.dumps(files),
             "d": '{"nomor_versi": %d}' % nomor})
    return contents


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def test_versions_rendered_to_a_local_folder_stay_readable_after_the_import(amqp_uri, tmp_path, start_container,
                                                                            monkeypatch, capsys):
    from rkpd import documents_cli
    from rkpd.service import RkpdService

    def _cli(*args, env):  # the `rkpd-documents` command, in this process (a subprocess costs seconds each)
        with monkeypatch.context() as m:
            for name, value in env.items():
                m.setenv(name, value)
            capsys.readouterr()
            code = documents_cli.main(list(args))
            out = capsys.readouterr()
        return Run(code, out.out, out.err)

    url = support.service_database("rkpd", "legacy")
    engine = sa.create_engine(url)
    legacy = tmp_path / "var" / "rkpd" / PEMDA / str(TAHUN)
    first = _legacy_version(engine, legacy / "v1", 1)
    second = _legacy_version(engine, legacy / "v2", 2)
    (legacy / "v2" / "rkpd.pdf").rename(tmp_path / "away.pdf")  # one file not where the row says
    with s3_server(tmp_path) as s3:
        settings = s3.settings(s3.new_bucket(), prefix="eplanning-rkpd")
        env = {"RKPD_DATABASE_URL": url, **settings}

        run = _cli("import-local", env=env)
        assert run.returncode == 1, run.stdout + run.stderr
        assert "imported 12.21/2041/v1" in run.stdout and "MISSING 12.21/2041/v2" in run.stdout
        check = _cli("check", env=env)
        assert check.returncode == 1 and "not imported: 12.21/2041/v2" in check.stdout

        (tmp_path / "away.pdf").rename(legacy / "v2" / "rkpd.pdf")
        assert _cli("import-local", env=env).returncode == 0
        again = _cli("import-local", env=env)
        assert again.returncode == 0 and "0 versions imported" in again.stdout  # nothing left to do
        check = _cli("check", env=env)
        assert check.returncode == 0 and "4 files read back" in check.stdout, check.stdout
        with engine.connect() as conn:
            assert set(conn.execute(sa.text("select location from rkpd_version")).scalars()) == {
                f"rkpd/{PEMDA}/{TAHUN}/v1", f"rkpd/{PEMDA}/{TAHUN}/v2"}

        # moving stores: S3 -> this database's table, then the postgres store answers the same
        copy = _cli("copy", "--from", "s3", "--to", "postgres", env=env)
        assert copy.returncode == 0 and "4 files copied" in copy.stdout, copy.stdout + copy.stderr
        check = _cli("check", env={**env, "DOCUMENT_STORE": "postgres"})
        assert check.returncode == 0 and "4 files read back and checked in the postgres store" in check.stdout

        shutil.rmtree(tmp_path / "var")  # the old folder is gone: the store serves every version
        start_container(RkpdService, url, **settings)
        with bappeda_rpc(amqp_uri) as rpc:
            for nomor, contents in ((1, first), (2, second)):
                for fmt, name in (("json", "rkpd.json"), ("pdf", "rkpd.pdf")):
                    got = rpc.rkpd.document_file(TAHUN, nomor, fmt)
                    assert base64.b64decode(got["content_base64"]) == contents[name]
            assert rpc.rkpd.versions(TAHUN)[1]["location"] == f"rkpd/{PEMDA}/{TAHUN}/v2"
    engine.dispose()
