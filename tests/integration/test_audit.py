"""The audit chain on the real PostgreSQL: real Musrenbang RPCs and a real Pokir event handler
write chained entries with their actor and before/after; the gateway's user and webhook
administration too; concurrent writers keep one gap-free chain; the trigger refuses UPDATE,
DELETE and TRUNCATE; and a row edited or deleted behind the trigger's back is caught by
`eplanning-audit verify`, naming its seq."""
import json
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from nameko.exceptions import RemoteError

from eplanning_common import audit
from eplanning_common.audit import GENESIS
from eplanning_common.config import data_dir
from eplanning_common.db import Db, UnitOfWork
from eplanning_common.migrations import migrate
from eplanning_common.schema import metadata as plumbing_metadata

from . import support

pytestmark = pytest.mark.timeout(180)

BIN = Path(sys.executable).parent
PEMDA, TAHUN = "12.21", 2027
DESA = "12.21.01.2001"
DRN = f"{PEMDA}/{TAHUN}/DRN-01"
KAMUS_CSV = (data_dir() / "demo" / "kamus_usulan_12.21_2027.csv").read_text()
BAPPEDA = {"sub": "bappeda-1", "role": "bappeda", "pemda": PEMDA}
OPERATOR = {"sub": "op-a1", "role": "operator_desa", "pemda": PEMDA, "wilayah": DESA}


def entries(engine, **where):
    with engine.connect() as conn:
        return audit.entries_of(conn, limit=10_000, **where)


def verify(engine, anchor=None):
    with engine.connect() as conn:
        return audit.verify(conn, anchor)


def cli_verify(url, *extra):
    done = subprocess.run([str(BIN / "eplanning-audit"), "verify", "--database", url, *extra],
                          capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout + done.stderr


# -- Musrenbang through its RPCs -------------------------------------------------------------------

@pytest.fixture(scope="module")
def musrenbang_db():
    url = support.service_database("musrenbang", "audit", PEMDA)
    engine = sa.create_engine(url)
    yield url, engine
    engine.dispose()


@pytest.fixture(scope="module")
def musrenbang(amqp_uri, musrenbang_db):
    from nameko.containers import ServiceContainer

    from musrenbang.service import MusrenbangService

    container = ServiceContainer(MusrenbangService, {"AMQP_URI": amqp_uri, "DATABASE_URL": musrenbang_db[0],
                                                     "max_workers": 10})
    container.start()
    proxies, opened = {}, []
    for name, identity in {"bappeda": BAPPEDA, "operator": OPERATOR}.items():
        proxy = support.signed_proxy(amqp_uri, identity, timeout=30)
        proxies[name] = proxy.start().musrenbang
        opened.append(proxy)
    yield proxies
    for proxy in opened:
        proxy.stop()
    container.stop()


def windows():
    now = datetime.now(timezone.utc)
    return [{"level": level, "opens_at": (now - timedelta(days=1)).isoformat(),
             "closes_at": (now + timedelta(days=1)).isoformat()} for level in ("desa", "kecamatan", "kabupaten")]


def usulan_input(volume):
    return {"desa": DESA, "kamus_item_id": DRN, "volume": volume, "permasalahan": "Jalan tergenang saat hujan",
            "gagasan": "Bangun drainase", "pengusul": {"nama": "Siti Aminah", "telepon": "0812000111"}}


def test_service_actions_write_chained_entries_with_actor_and_before_after(musrenbang, musrenbang_db):
    url, engine = musrenbang_db
    musrenbang["bappeda"].import_kamus(TAHUN, KAMUS_CSV)  # publishes nothing: a write entry
    musrenbang["bappeda"].set_schedule(TAHUN, windows())
    created = musrenbang["operator"].create_usulan(TAHUN, usulan_input("100"))
    updated = musrenbang["operator"].update_usulan(created["id"], usulan_input("150"), created["version"])
    draft = musrenbang["operator"].create_usulan(TAHUN, usulan_input("10"), submit=False)

    log = entries(engine)
    assert [e["action"] for e in log] == ["write:musrenbang.import_kamus", "stage.opened.v1", "usulan.submitted.v1",
                                          "usulan.updated.v1", "write:musrenbang.create_usulan"]
    assert [e["seq"] for e in log] == [1, 2, 3, 4, 5]
    assert log[0]["prev_hash"] == GENESIS and all(log[i]["prev_hash"] == log[i - 1]["hash"] for i in range(1, 5))

    kamus, opened, submitted, edited, drafted = log
    assert kamus["actor"] == {"type": "user", **BAPPEDA}
    assert kamus["after"]["writes"][0]["table"] == "kamus_item" and kamus["after"]["writes"][0]["rows"] == 7
    assert opened["entity"] == "stage" and opened["subject"] == f"{PEMDA}/{TAHUN}" and opened["tahun"] == TAHUN

    # the event's data is the after; the previous entry of the same usulan is the before
    assert submitted["actor"] == {"type": "user", **OPERATOR}
    assert (submitted["entity"], submitted["subject"]) == ("usulan", created["id"])
    assert submitted["before"] is None and submitted["after"]["volume"] == "100"
    assert edited["before"] == submitted["after"]
    assert edited["after"]["volume"] == "150" and edited["after"]["version"] == updated["version"]
    with engine.connect() as conn:
        outbox = {str(row.event_id): row.envelope
                  for row in conn.execute(sa.text("select event_id, envelope from outbox"))}
    assert outbox[edited["event_id"]]["data"] == edited["after"]
    assert edited["correlation_id"] == outbox[edited["event_id"]]["correlationid"]

    # a draft publishes nothing; its entry names the row it wrote, not what the proposer typed
    assert drafted["subject"] == draft["id"] and drafted["actor"]["sub"] == OPERATOR["sub"]
    assert {"table": "usulan", "op": "insert", "rows": 1, "keys": [draft["id"]]}.items() <= \
        drafted["after"]["writes"][0].items()
    assert "Siti" not in json.dumps(drafted, default=str)

    report = verify(engine)
    assert report.ok and report.count == 5 and report.head_hash == drafted["hash"]
    code, output = cli_verify(url)
    assert code == 0 and f"OK          5 entries  head 5:{drafted['hash']}" in output


def test_a_refused_action_writes_nothing(musrenbang, musrenbang_db):
    _, engine = musrenbang_db
    before = len(entries(engine))
    with pytest.raises(RemoteError) as refused:
        musrenbang["operator"].set_schedule(TAHUN + 1, windows())  # Bappeda's to do
    assert refused.value.exc_type == "Forbidden"
    with pytest.raises(RemoteError) as refused:
        musrenbang["operator"].create_usulan(TAHUN, {**usulan_input("1"), "cost": "1"})  # no mass assignment
    assert refused.value.exc_type == "ValidationError"
    assert len(entries(engine)) == before
    assert verify(engine).ok


# -- a Pokir event handler ---------------------------------------------------------------------------

def test_an_event_handler_is_audited_as_the_system_acting_on_that_event_once(engine_for):
    from pokir.facts import record_usulan
    from pokir.repository import Repository

    url = support.fresh_database("eplanning_test_audit_pokir")
    migrate("pokir", url)
    engine = engine_for(url)
    usulan_id = str(uuid.uuid4())
    event = {"id": str(uuid.uuid4()), "type": "id.eplanning.musrenbang.usulan.submitted.v1",
             "source": f"/pemda/{PEMDA}/musrenbang", "subject": usulan_id, "pemda": PEMDA, "tahun": TAHUN,
             "data": {"usulan_id": usulan_id, "tracking_code": "MRB-X", "desa": DESA, "kamus_kode": "DRN-01",
                      "gagasan": "Bangun drainase", "version": 1}}
    db = Db(engine, "pokir", "cid-7", entrypoint="on_usulan_submitted")

    for _ in range(2):  # the second delivery is a duplicate: no effect, no entry
        with db.consuming(event, "pokir.on_usulan_submitted") as uow:
            if not uow.duplicate:
                record_usulan(Repository(uow), event)

    (entry,) = entries(engine)
    assert entry["action"] == "write:pokir.on_usulan_submitted"
    assert entry["actor"] == {"type": "system", "consumer": "pokir.on_usulan_submitted", "event_id": event["id"],
                              "event_type": event["type"], "source": event["source"]}
    assert (entry["pemda"], entry["tahun"], entry["subject"]) == (PEMDA, TAHUN, usulan_id)
    assert entry["after"]["writes"][0]["table"] == "usulan_ref"
    assert verify(engine).ok


# -- the chain itself, on a small database ----------------------------------------------------------

@pytest.fixture
def chain_db(engine_for):
    """A fresh database with the plumbing tables and the audit log, and five entries."""
    url = support.fresh_database(f"eplanning_test_audit_chain_{uuid.uuid4().hex[:6]}")
    engine = engine_for(url)
    plumbing_metadata.create_all(engine)
    with engine.begin() as conn:
        audit.create_audit_log(conn)
    for i in range(1, 6):
        with UnitOfWork(engine, "probe", f"cid-{i}", {"identity": BAPPEDA}) as uow:
            uow.emit("item.recorded.v1", "K1", {"n": i}, PEMDA, TAHUN)
    return url, engine


def superuser_edit(engine, statement, params=None):
    """What a database superuser can do: switch the trigger off, change the row, switch it on."""
    with engine.begin() as conn:
        conn.execute(sa.text(f"alter table audit_log disable trigger {audit.ROW_TRIGGER}"))
        conn.execute(sa.text(statement), params or {})
        conn.execute(sa.text(f"alter table audit_log enable trigger {audit.ROW_TRIGGER}"))


@pytest.mark.parametrize("statement", ["update audit_log set after = '{\"n\": 99}' where seq = 2",
                                       "delete from audit_log where seq = 2", "truncate audit_log"])
def test_the_trigger_refuses_update_delete_and_truncate(chain_db, statement):
    _, engine = chain_db
    with pytest.raises(sa.exc.DBAPIError, match="audit_log is append-only"):
        with engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert [e["after"] for e in entries(engine)] == [{"n": i} for i in range(1, 6)]


def test_an_edited_row_is_caught_naming_its_seq(chain_db):
    url, engine = chain_db
    assert cli_verify(url)[0] == 0

    superuser_edit(engine, "update audit_log set after = '{\"n\": 30}' where seq = 3")

    broken = verify(engine).broken
    assert (broken.seq, broken.problem) == (3, "hash_mismatch")
    code, output = cli_verify(url)
    assert code == 1 and "BROKEN      seq 3: hash mismatch" in output and "2 entries before it are sound" in output


def test_a_deleted_row_is_caught_as_a_gap(chain_db):
    url, engine = chain_db
    superuser_edit(engine, "delete from audit_log where seq = 4")

    broken = verify(engine).broken
    assert (broken.seq, broken.problem) == (4, "gap")
    code, output = cli_verify(url)
    assert code == 1 and "seq 4: gap (entry 4 missing, next is 5)" in output


def test_a_rewritten_tail_passes_alone_and_is_caught_by_its_published_anchor(chain_db):
    url, engine = chain_db
    head = verify(engine)
    anchor = f"{head.head_seq}:{head.head_hash}"
    # rewrite seq 3..5 with valid hashes: a forger with superuser rights
    with engine.connect() as conn:
        records = list(audit.read_records(conn))
    forged, prev = [], records[1]["hash"]
    for record in records[2:]:
        record = {**record, "after": {"n": record["after"]["n"] * 100}, "prev_hash": prev}
        record["hash"] = prev = audit.entry_hash(record)
        forged.append(record)
    for record in forged:
        superuser_edit(engine, "update audit_log set after = cast(:after as jsonb), prev_hash = :prev, hash = :hash "
                               "where seq = :seq", {"after": json.dumps(record["after"]), "prev": record["prev_hash"],
                                                    "hash": record["hash"], "seq": record["seq"]})

    assert verify(engine).ok
    code, output = cli_verify(url, "--anchor", anchor)
    assert code == 1 and "seq 5: anchor mismatch" in output


def test_a_rolled_back_unit_leaves_no_entry_and_no_gap(chain_db):
    _, engine = chain_db
    with pytest.raises(RuntimeError):
        with UnitOfWork(engine, "probe", None, {"identity": BAPPEDA}) as uow:
            uow.emit("item.recorded.v1", "K1", {"n": 6}, PEMDA, TAHUN)
            raise RuntimeError("changed my mind")
    with UnitOfWork(engine, "probe", None, {"identity": BAPPEDA}) as uow:
        uow.emit("item.recorded.v1", "K1", {"n": 7}, PEMDA, TAHUN)

    log = entries(engine)
    assert [e["seq"] for e in log] == [1, 2, 3, 4, 5, 6] and log[-1]["after"] == {"n": 7}
    assert log[-1]["before"] == {"n": 5}
    assert verify(engine).ok


def test_concurrent_writers_keep_one_gap_free_chain(chain_db):
    _, engine = chain_db
    errors = []

    def writer(w):
        try:
            for i in range(10):
                with UnitOfWork(engine, "probe", None, {"identity": {**BAPPEDA, "sub": f"w{w}"}}) as uow:
                    uow.emit("item.recorded.v1", f"W{w}", {"i": i}, PEMDA, TAHUN)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    log = entries(engine)
    assert [e["seq"] for e in log] == list(range(1, 86))
    assert len({e["prev_hash"] for e in log}) == 85  # no fork
    for w in range(8):  # each subject's befores follow its own afters
        mine = [e for e in log if e["subject"] == f"W{w}"]
        assert [e["after"]["i"] for e in mine] == list(range(10))
        assert [e["before"] for e in mine] == [None] + [e["after"] for e in mine[:-1]]
    assert verify(engine).ok


# -- the gateway's own state changes ----------------------------------------------------------------

def test_gateway_user_and_webhook_administration_is_audited(engine_for):
    from gateway.auth.store import SqlAuthStore
    from gateway.auth.users import User
    from gateway.webhooks.store import WebhookStore

    url = support.fresh_database("eplanning_test_audit_gateway")
    migrate("gateway", url)
    engine = engine_for(url)
    users, webhooks = SqlAuthStore(engine), WebhookStore(engine)
    admin = {"sub": str(uuid.uuid4()), "role": "admin", "pemda": PEMDA}
    now = datetime.now(timezone.utc)
    user = User(id=str(uuid.uuid4()), username="desa.satu", password_hash="$argon2id$secret-hash", role="operator_desa",
                pemda=PEMDA, wilayah=DESA, opd=None, anggota_id=None, active=True, created_at=now, updated_at=now)

    users.insert_user(user, actor=admin)
    users.update_user(user.id, {"wilayah": "12.21.01.2002"}, now, actor=admin)
    users.update_user(user.id, {"password_hash": "$argon2id$other-hash"}, now, actor=user.identity())
    users.update_user(user.id, {"active": False}, now, actor=admin)
    subscription, secret = webhooks.create_subscription(PEMDA, "Portal", "https://partner.example/hook",
                                                        ["musrenbang.*"], admin["sub"], actor=admin)
    webhooks.update_subscription(PEMDA, subscription["id"], {"active": False}, actor=admin)
    webhooks.delete_subscription(PEMDA, subscription["id"], actor=admin)

    log = entries(engine)
    assert [e["action"] for e in log] == [
        "user.created", "user.updated", "user.password_changed", "user.deactivated",
        "webhook.subscription.created", "webhook.subscription.paused", "webhook.subscription.deleted"]
    created, moved, password, deactivated, sub_created, paused, deleted = log
    assert created["actor"] == {"type": "user", **admin} and password["actor"]["sub"] == user.id
    assert moved["before"]["wilayah"] == DESA and moved["after"]["wilayah"] == "12.21.01.2002"
    assert deactivated["before"]["active"] is True and deactivated["after"]["active"] is False
    assert paused["before"]["active"] is True and paused["after"]["pause_reason"] == "manual"
    assert deleted["after"] is None and deleted["before"] == paused["after"]
    text = json.dumps(log, default=str)
    assert "argon2" not in text and secret not in text  # never a password hash, never a webhook secret
    assert verify(engine).ok


class PushReceiver:
    """A Pushgateway stand-in on a real HTTP port: records each PUT (path and body)."""

    def __init__(self):
        import http.server
        import threading

        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PUT(self):
                received.append((self.path, self.rfile.read(int(self.headers["Content-Length"])).decode()))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_the_verdict_is_pushed_for_the_audit_chain_alert(chain_db):
    """`eplanning-audit verify --pushgateway URL` (the nightly CronJob) pushes 1 for a sound chain
    and 0 for a broken one, with the entries verified and the time: what AuditChainBroken and
    AuditVerifyNotRunning read (deploy/k8s/monitoring/rules.yaml)."""
    from prometheus_client.parser import text_string_to_metric_families

    url, engine = chain_db
    receiver = PushReceiver()
    try:
        def pushed():
            path, body = receiver.received[-1]
            samples = {s.name: s for f in text_string_to_metric_families(body) for s in f.samples}
            return path, samples

        assert cli_verify(url, "--pushgateway", receiver.url)[0] == 0
        path, samples = pushed()
        assert path == "/metrics/job/eplanning-audit-verify"
        chain = samples["eplanning_audit_chain_ok"].labels["chain"]
        assert samples["eplanning_audit_chain_ok"].value == 1 and samples["eplanning_audit_chain_entries"].value == 5
        assert abs(samples["eplanning_audit_verify_last_run_timestamp_seconds"].value - time.time()) < 60

        superuser_edit(engine, "update audit_log set after = '{\"n\": 30}' where seq = 3")
        assert cli_verify(url, "--pushgateway", receiver.url)[0] == 1
        _, samples = pushed()
        assert samples["eplanning_audit_chain_ok"].labels["chain"] == chain
        assert samples["eplanning_audit_chain_ok"].value == 0 and samples["eplanning_audit_chain_entries"].value == 2
    finally:
        receiver.close()
    # a Pushgateway that does not answer: the verdict is printed, the exit status says the push failed
    code, output = cli_verify(url, "--pushgateway", receiver.url)
    assert code == 2 and "BROKEN" in output and "could not push the result" in output
