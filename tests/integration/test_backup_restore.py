"""Backup and restore on the real PostgreSQL (eplanning-backup, `make backup` / `make restore`).

Five migrated databases with a little real state (audit chains in each, a stored RKPD version with
its file in the document store, and a file rendered to a local folder before the store) are backed up; a restore over them is refused while they hold data;
then every database and the documents folder are dropped, the archive is restored into fresh
databases, and the content of every table, the RKPD content hash, the file's bytes (from the store and from the folder) and each audit
chain (verified against the head recorded at backup time) are what they were."""
import hashlib
import json
import shutil
from concurrent.futures import ThreadPoolExecutor
import tarfile
import pytest
import sqlalchemy as sa

from eplanning_common import audit
from eplanning_common.backup import archive as archive_module, manifest as mf, postgres
from eplanning_common.cli import backup as backup_cli
from eplanning_common.db import UnitOfWork
from eplanning_common.migrations import migrate
from eplanning_common.storage.postgres import PostgresStore

from . import support

pytestmark = pytest.mark.timeout(120)

PEMDA, TAHUN = "12.21", 2027
CHAINS = ("musrenbang", "pokir", "renja", "rkpd", "gateway")
BAPPEDA = {"sub": "bappeda-1", "role": "bappeda", "pemda": PEMDA}


@pytest.fixture
def installation(monkeypatch, tmp_path):
    """The five databases under a prefix of this run (what the CLI resolves through DB_PREFIX)."""
    prefix = f"eplanning_bk{support.RUN_SUFFIX}_"
    for var in ("DATABASE_URL", "GATEWAY_DATABASE_URL", *(f"{s.upper()}_DATABASE_URL" for s in CHAINS)):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PG_URI", support.PG_URI)
    monkeypatch.setenv("DB_PREFIX", prefix)
    urls = {name: f"{support.PG_URI}/{prefix}{name}" for name in CHAINS}
    for name, url in urls.items():
        support.track_database(f"{prefix}{name}")
        support._drop(f"{prefix}{name}")
        migrate(name, url)
    yield urls
    admin = sa.create_engine(f"{support.PG_URI}/postgres")
    with admin.connect() as conn:  # with those a forced restore renamed aside
        names = conn.execute(sa.text("select datname from pg_database where datname like :p"),
                             {"p": f"{prefix}%"}).scalars().all()
    admin.dispose()
    drop_all(names)


def drop_all(names):
    """DROP DATABASE waits for a checkpoint: dropped together, they share it (seconds, not 2 s each)."""
    with ThreadPoolExecutor(max_workers=len(names) or 1) as pool:
        list(pool.map(support._drop, names))


def write_state(urls, documents):
    """A few chained entries per database; in rkpd a version row whose file is in the document store
    (the `stored_object` table of the rkpd database: the default store), and a file rendered to a
    local folder before the store existed (the documents folder the backup also keeps)."""
    from rkpd import assembly
    from rkpd import documents as rkpd_documents

    for name, url in urls.items():
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            audit.append(conn, [audit.Entry(action=f"{name}.noted", actor=audit.user_actor(BAPPEDA), entity="probe",
                                            subject=f"{name}-{i}", after={"i": i, "teks": "Jalan desa"},
                                            pemda=PEMDA, tahun=TAHUN) for i in range(3)])
        engine.dispose()
    engine = sa.create_engine(urls["rkpd"])
    with UnitOfWork(engine, "rkpd", "cid-backup", {"identity": BAPPEDA}, entrypoint="assemble") as uow:
        manifests = {s: {"digest": hashlib.sha256(s.encode()).hexdigest()} for s in ("musrenbang", "pokir", "renja")}
        document = assembly.build_from(uow, PEMDA, TAHUN, "rancangan awal", 1, manifests, [], {})
        body = json.dumps(document, sort_keys=True).encode()
        sha256 = hashlib.sha256(body).hexdigest()
        prefix = rkpd_documents.location(PEMDA, TAHUN, 1)
        PostgresStore(engine).put(rkpd_documents.key(prefix, "rkpd.json", sha256), body, "application/json")
        assembly.store(uow, PEMDA, TAHUN, document, None, {"rkpd.json": {"sha256": sha256, "bytes": len(body)}},
                       prefix)
    engine.dispose()
    legacy = documents / PEMDA / str(TAHUN) / "v1"
    legacy.mkdir(parents=True)
    (legacy / "rkpd.json").write_bytes(body)
    return rkpd_documents.key(prefix, "rkpd.json", sha256), sha256


def stored_file(url, key, sha256) -> bytes:
    engine = sa.create_engine(url)
    try:
        return PostgresStore(engine).get(key, sha256)
    finally:
        engine.dispose()


def fingerprint(url) -> dict:
    """Every table's row count and the MD5 of its rows in a fixed order."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            tables = conn.execute(sa.text("select tablename from pg_tables where schemaname = 'public'")).scalars().all()
            return {t: tuple(conn.execute(sa.text(
                f'select count(*), md5(coalesce(string_agg(x::text, E\'\\n\' order by x::text), \'\')) from "{t}" x')).one())
                for t in sorted(tables)}
    finally:
        engine.dispose()


def rkpd_hash(url) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("select content_hash from rkpd_version where nomor = 1")).scalar_one()
    finally:
        engine.dispose()


def test_backup_drop_everything_restore_and_the_chains_and_the_rkpd_are_intact(installation, tmp_path, capsys):
    urls, documents = installation, tmp_path / "rkpd"
    key, sha256 = write_state(urls, documents)
    before = {name: fingerprint(url) for name, url in urls.items()}
    content_hash = rkpd_hash(urls["rkpd"])
    file_bytes = (documents / PEMDA / str(TAHUN) / "v1" / "rkpd.json").read_bytes()
    assert stored_file(urls["rkpd"], key, sha256) == file_bytes
    assert all(before[name]["audit_log"][0] >= 3 for name in CHAINS)

    assert backup_cli.main(["create", "--out", str(tmp_path / "backups"), "--documents", str(documents)]) == 0
    (archive,) = (tmp_path / "backups").glob("eplanning-*.tar")
    assert (tmp_path / "backups" / f"{archive.name}.sha256").is_file()
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        anchors = json.load(tar.extractfile(mf.ANCHORS))
    assert {f"databases/{n}.dump" for n in CHAINS} | {mf.MANIFEST, mf.ANCHORS,
                                                         f"documents/rkpd/{PEMDA}/{TAHUN}/v1/rkpd.json"} == set(names)
    for name, url in urls.items():  # the recorded heads are the chains' heads
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            report = audit.verify(conn)
        engine.dispose()
        assert anchors[name] == f"{report.head_seq}:{report.head_hash}"
    capsys.readouterr()

    # over databases that hold data: refused, nothing changed
    assert backup_cli.main(["restore", str(archive), "--documents", str(documents)]) == 3
    err = capsys.readouterr().err
    assert "restore refused, nothing changed" in err
    assert all(f"eplanning_bk{support.RUN_SUFFIX}_{n} is not empty" in err for n in CHAINS)
    assert f"{documents} is not empty" in err
    assert fingerprint(urls["rkpd"]) == before["rkpd"]

    # the disaster: every database and the documents are gone
    drop_all([sa.engine.make_url(url).database for url in urls.values()])
    shutil.rmtree(documents)

    assert backup_cli.main(["restore", str(archive), "--documents", str(documents)]) == 0
    out = capsys.readouterr().out
    assert "restored: every audit chain holds its recorded head" in out
    for name in CHAINS:
        assert f"anchor {anchors[name].split(':')[0]} holds" in out, name
    assert {name: fingerprint(url) for name, url in urls.items()} == before
    assert rkpd_hash(urls["rkpd"]) == content_hash
    assert (documents / PEMDA / str(TAHUN) / "v1" / "rkpd.json").read_bytes() == file_bytes
    assert stored_file(urls["rkpd"], key, sha256) == file_bytes  # the store came back with the rkpd database

    # FORCE renames a database that holds data aside (nothing is dropped) and starts a fresh one
    pokir = postgres.inspect(urls["pokir"])
    assert (pokir.exists, pokir.sessions) == (True, 0) and pokir.tables == len(before["pokir"])
    aside = postgres.prepare(pokir, "before_restore_20261208t010203z")
    assert aside == sa.engine.make_url(urls["pokir"]).database + "_before_restore_20261208t010203z"
    assert fingerprint(f"{support.PG_URI}/{aside}") == before["pokir"]
    assert postgres.inspect(urls["pokir"]).tables == 0

    # an archive whose dump is older than the head recorded with it (a dump swapped for an older
    # one, the manifest recomputed): restored, but the chain does not hold its head: exit 1
    staging = tmp_path / "older"
    (staging / "databases").mkdir(parents=True)
    (staging / "databases" / "musrenbang.dump").write_bytes(archive_module.read_member(archive, "databases/musrenbang.dump"))
    seq, head = anchors["musrenbang"].split(":")
    (staging / mf.ANCHORS).write_text(json.dumps({"musrenbang": f"{int(seq) + 1}:{head}"}))
    older = tmp_path / "older.tar"
    archive_module.write(older, staging, mf.build("2026-12-08T01:00:00Z", {"musrenbang": "databases/musrenbang.dump"},
                                                  {}, archive_module.staged_members(staging)))
    capsys.readouterr()
    assert backup_cli.main(["restore", str(older), "--force", "--documents", str(documents)]) == 1
    out = capsys.readouterr().out
    assert "musrenbang  BROKEN" in out and "entries were removed from the end" in out
