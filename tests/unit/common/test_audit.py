"""The audit chain without a database: sealing entries, the hash rule, and verification naming the
first broken link (edited content, re-hashed content, deleted entries, a cut tail, an anchor)."""
import hashlib
import json
import sys
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import dialect as pg_dialect, insert as pg_insert

from eplanning_common import audit
from eplanning_common.audit import GENESIS, Entry, entry_hash, seal, verify_records

AT = datetime(2027, 1, 5, 8, 30, 0, 123456, tzinfo=timezone(timedelta(hours=7)))
ADMIN = {"sub": "u-1", "role": "bappeda", "pemda": "12.21", "token": "never recorded"}


def entries(n=4):
    return [Entry(action="usulan.updated.v1", actor=audit.user_actor(ADMIN), after={"version": i, "volume": "12.5"},
                  entity="usulan", subject="U1", pemda="12.21", tahun=2027, event_id=str(uuid.uuid4()),
                  correlation_id="c1") for i in range(1, n + 1)]


def stored(rows):
    """What verify reads back from PostgreSQL: JSON values re-read from the jsonb text."""
    return [{**row, **{k: audit._from_json_text(audit._json_text(row[k])) for k in ("actor", "before", "after")}}
            for row in rows]


def chain(n=4):
    return stored(seal(entries(n), 0, GENESIS, AT, {}))


# -- sealing ---------------------------------------------------------------------------------------

def test_a_sealed_chain_starts_at_genesis_links_every_entry_and_verifies():
    rows = chain(4)

    assert [r["seq"] for r in rows] == [1, 2, 3, 4]
    assert rows[0]["prev_hash"] == GENESIS
    assert all(rows[i]["prev_hash"] == rows[i - 1]["hash"] for i in range(1, 4))
    report = verify_records(rows)
    assert report.ok and report.count == 4 and (report.head_seq, report.head_hash) == (4, rows[-1]["hash"])


def test_the_time_is_recorded_in_utc_with_microseconds():
    assert chain(1)[0]["at"] == "2027-01-05T01:30:00.123456Z"


def test_before_is_the_previous_after_of_the_same_subject_within_a_batch_and_from_the_database():
    recorded = {("usulan", "U1"): {"version": 0}}
    batch = [Entry("usulan.updated.v1", {"type": "system"}, {"version": 1}, entity="usulan", subject="U1"),
             Entry("usulan.updated.v1", {"type": "system"}, {"version": 1}, entity="usulan", subject="U2"),
             Entry("usulan.updated.v1", {"type": "system"}, {"version": 2}, entity="usulan", subject="U1"),
             Entry("pagu.set.v1", {"type": "system"}, {"pagu": "1"}, entity="pagu", subject="U1"),
             Entry("write:x", {"type": "system"}, {"writes": []}, subject="U1")]

    rows = seal(batch, 10, "a" * 64, AT, recorded)

    assert [r["before"] for r in rows] == [{"version": 0}, None, {"version": 1}, None, None]
    assert rows[0]["seq"] == 11 and rows[0]["prev_hash"] == "a" * 64


def test_an_explicit_before_is_kept():
    rows = seal([Entry("x", {"type": "system"}, {"a": 2}, entity="e", subject="s", before={"a": 1})], 0, GENESIS,
                AT, {("e", "s"): {"a": 0}})
    assert rows[0]["before"] == {"a": 1}


def test_the_hash_is_sha256_of_prev_hash_then_the_canonical_entry():
    row = chain(1)[0]
    fields = {k: row[k] for k in audit.HASHED_FIELDS}
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    assert row["hash"] == hashlib.sha256(GENESIS.encode() + canonical).hexdigest()


@pytest.mark.parametrize("name", audit.HASHED_FIELDS)
def test_every_field_is_covered_by_the_hash(name):
    row = chain(1)[0]
    changed = {**row, name: {"seq": 2, "tahun": 2028}.get(name, "something else")}
    assert entry_hash(changed) != row["hash"]


def test_values_round_trip_through_their_stored_text_with_the_same_hash():
    odd = {"float": 0.1, "big": 10**20, "decimal": Decimal("1.50"), "exp": 1e16, "neg0": -0.0,
           "text": "Sumut — ü\u001f", "when": datetime(2027, 1, 1, tzinfo=timezone.utc), "set": {"b", "a"},
           "bytes": b"\x00\x01", "nested": [{"z": None, "a": True}]}
    row = seal([Entry("x", {"type": "system"}, odd)], 0, GENESIS, AT, {})[0]
    reread = stored([row])[0]

    assert entry_hash(reread) == row["hash"]
    assert reread["after"]["bytes"] == {"sha256": hashlib.sha256(b"\x00\x01").hexdigest(), "bytes": 2}
    assert reread["after"]["set"] == ["a", "b"]


def test_nan_cannot_be_audited():
    with pytest.raises(ValueError):
        audit.jsonable({"x": float("nan")})


def test_actors_record_who_and_where_never_tokens():
    assert audit.user_actor(ADMIN) == {"type": "user", "sub": "u-1", "role": "bappeda", "pemda": "12.21"}
    assert audit.actor_for(None, consumer="rkpd.on_pokir", event_id=None) == {"type": "system",
                                                                              "consumer": "rkpd.on_pokir"}


# -- verification names the first broken link ------------------------------------------------------

def test_an_edited_entry_is_a_hash_mismatch_at_its_seq():
    rows = chain(5)
    rows[2]["after"] = {**rows[2]["after"], "volume": "999"}

    report = verify_records(rows)

    assert not report.ok
    assert (report.broken.seq, report.broken.problem) == (3, "hash_mismatch")
    assert (report.count, report.head_seq) == (2, 2)
    assert "seq 3: hash mismatch" in str(report.broken)


def test_an_edited_and_rehashed_entry_breaks_the_next_link():
    rows = chain(5)
    rows[2]["actor"] = {"type": "user", "sub": "someone-else"}
    rows[2]["hash"] = entry_hash(rows[2])

    report = verify_records(rows)

    assert (report.broken.seq, report.broken.problem) == (4, "prev_hash_mismatch")


def test_a_deleted_entry_is_a_gap_at_its_seq():
    rows = chain(5)
    del rows[1]
    assert (verify_records(rows).broken.seq, verify_records(rows).broken.problem) == (2, "gap")


def test_a_deleted_first_entry_is_a_gap_at_one():
    rows = chain(3)[1:]
    assert (verify_records(rows).broken.seq, verify_records(rows).broken.problem) == (1, "gap")


def test_a_rewritten_chain_verifies_and_only_an_anchor_catches_it():
    rows = chain(5)
    anchor = (4, rows[3]["hash"])
    forged = seal([Entry(action=r["action"], actor={"type": "user", "sub": "forger"}, after=r["after"],
                         entity=r["entity"], subject=r["subject"]) for r in rows], 0, GENESIS, AT, {})

    assert verify_records(stored(forged)).ok
    assert verify_records(rows, anchor=anchor).ok
    broken = verify_records(stored(forged), anchor=anchor).broken
    assert (broken.seq, broken.problem) == (4, "anchor_mismatch")


def test_entries_cut_from_the_end_are_caught_by_an_anchor_beyond_the_head():
    rows = chain(5)
    anchor = (5, rows[4]["hash"])

    assert verify_records(rows[:3]).ok  # without an anchor, a shorter chain is still a chain
    broken = verify_records(rows[:3], anchor=anchor).broken
    assert (broken.seq, broken.problem) == (5, "anchor_missing")


def test_an_empty_chain_is_sound():
    report = verify_records([])
    assert report.ok and report.count == 0 and report.head_hash == GENESIS


@pytest.mark.parametrize("text", ["", "12", "0:" + "a" * 64, "3:" + "A" * 64, "3:" + "a" * 63])
def test_anchors_are_seq_colon_hash(text):
    with pytest.raises(ValueError):
        audit.parse_anchor(text)
    assert audit.parse_anchor(" 3:" + "a" * 64) == (3, "a" * 64)


# -- what a unit of work wrote ---------------------------------------------------------------------

meta = sa.MetaData()
things = sa.Table("things", meta, sa.Column("id", sa.Text, primary_key=True), sa.Column("name", sa.Text),
                  sa.Column("secret", sa.Text))
pairs = sa.Table("pairs", meta, sa.Column("pemda", sa.Text, primary_key=True),
                 sa.Column("tahun", sa.Integer, primary_key=True), sa.Column("x", sa.Integer))
cache = sa.Table("cache", meta, sa.Column("k", sa.Text, primary_key=True), info={"audit": False})
outbox_like = sa.Table("outbox", sa.MetaData(), sa.Column("seq", sa.Integer, primary_key=True))


def describe(statement, params=None, rows=1):
    return audit.describe_write(statement, params, rows, pg_dialect())


def test_writes_are_described_by_table_operation_keys_and_columns_never_values():
    inserted = describe(things.insert().values(id="T1", name="Siti", secret="0812"))
    updated = describe(things.update().where(things.c.id == "T1").values(name="Ani"))
    upserted = describe(pg_insert(pairs).values(pemda="12.21", tahun=2027, x=1)
                        .on_conflict_do_update(index_elements=["pemda", "tahun"], set_={"x": 1}))
    deleted = describe(things.delete().where(things.c.id == "T1"))
    many = describe(things.insert(), [{"id": "A", "name": "a"}, {"id": "B", "name": "b"}], rows=2)

    assert inserted == {"table": "things", "op": "insert", "rows": 1, "keys": ["T1"],
                        "columns": ["id", "name", "secret"]}
    assert "Siti" not in json.dumps(inserted) and "0812" not in json.dumps(inserted)
    assert updated == {"table": "things", "op": "update", "rows": 1, "keys": ["T1"], "columns": ["name"]}
    assert upserted["op"] == "upsert" and upserted["keys"] == [["12.21", 2027]]
    assert deleted == {"table": "things", "op": "delete", "rows": 1, "keys": ["T1"]}
    assert many["keys"] == ["A", "B"] and many["rows"] == 2


def test_plumbing_tables_and_opted_out_tables_are_not_audited_and_reads_are_not_writes():
    assert audit.audited_table(things.insert()) == "things"
    assert audit.audited_table(outbox_like.insert()) is None
    assert audit.audited_table(cache.insert()) is None
    assert audit.audited_table(sa.select(things)) is None


# -- every database gets the log ---------------------------------------------------------------------

@pytest.mark.parametrize("service", ["musrenbang", "pokir", "renja", "rkpd", "gateway"])
def test_each_database_migrates_to_one_head_that_creates_the_audit_log(service):
    from alembic.script import ScriptDirectory

    from eplanning_common.migrations import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config(service, "postgresql://unused/x"))
    heads = scripts.get_heads()
    assert len(heads) == 1, f"{service} has several migration heads: {heads}"
    history = {rev.revision: rev for rev in scripts.walk_revisions()}
    audit_revisions = [r for r, rev in history.items() if "create_audit_log" in open(rev.path).read()]
    assert len(audit_revisions) == 1


def test_a_change_outside_any_worker_names_the_program_and_account_that_made_it(monkeypatch):
    from eplanning_common.db import UnitOfWork

    monkeypatch.setattr(sys, "argv", ["/srv/venv/bin/pokir-refdata", "--pemda", "12.21"])
    monkeypatch.setattr(audit.getpass, "getuser", lambda: "operator1")
    uow = UnitOfWork(engine=None, service="pokir")

    assert uow.actor() == {"type": "system", "service": "pokir", "program": "pokir-refdata", "os_user": "operator1",
                           "host": audit.socket.gethostname()}
    assert uow._action_name() == "write:pokir.pokir-refdata"
    worker = UnitOfWork(engine=None, service="rkpd", entrypoint="recheck")
    assert worker.actor() == {"type": "system", "service": "rkpd", "entrypoint": "recheck"}
    assert worker._action_name() == "write:rkpd.recheck"
