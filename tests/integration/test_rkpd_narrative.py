"""Bappeda's narrative chapters on the real RKPD service (PostgreSQL, RabbitMQ): read with a
version, replaced only from the current version (two people editing one chapter cannot overwrite
each other, even at the same moment), every replacement in the audit chain."""
from __future__ import annotations

import eventlet
import pytest
import sqlalchemy as sa
from nameko.containers import ServiceContainer
from nameko.exceptions import RemoteError

from eplanning_common import audit
from rkpd.service import RkpdService

from . import support

pytestmark = pytest.mark.timeout(180)

PEMDA, TAHUN = "12.21", 2044


@pytest.fixture(scope="module")
def rkpd(amqp_uri):
    url = support.service_database("rkpd", "narrative", PEMDA)
    engine = sa.create_engine(url)
    container = ServiceContainer(RkpdService, {"AMQP_URI": amqp_uri, "DATABASE_URL": url, "max_workers": 10})
    container.start()
    try:
        yield engine
    finally:
        container.stop()
        engine.dispose()


def bappeda(amqp_uri):
    return support.signed_proxy(amqp_uri, {"sub": "bappeda-1", "role": "bappeda", "pemda": PEMDA}, timeout=30)


def sections(text):
    return [{"judul": "Aspek Geografi dan Demografi", "teks": text}]


def test_a_chapter_is_replaced_only_from_its_current_version(amqp_uri, rkpd):
    with bappeda(amqp_uri) as rpc:
        default = rpc.rkpd.get_narrative(TAHUN, 2)
        assert default["version"] == 0 and default["bawaan"] is True and default["sections"]

        first = rpc.rkpd.set_narrative(TAHUN, 2, sections("Teks Bidang A."), expected_version=0)
        assert (first["version"], first["bawaan"]) == (1, False)
        with pytest.raises(RemoteError) as stale:  # made from the default text, which is gone
            rpc.rkpd.set_narrative(TAHUN, 2, sections("Teks Bidang B."), expected_version=0)
        assert stale.value.exc_type == "Conflict" and "stale_version" in stale.value.value
        assert rpc.rkpd.get_narrative(TAHUN, 2)["sections"] == sections("Teks Bidang A.")

        second = rpc.rkpd.set_narrative(TAHUN, 2, sections("Teks Bidang A, direvisi."), expected_version=1)
        assert second["version"] == 2
        assert rpc.rkpd.get_narrative(TAHUN, 3)["version"] == 0  # each chapter has its own version
        with pytest.raises(RemoteError) as refused:
            rpc.rkpd.set_narrative(TAHUN, 5, sections("Bab V adalah tabel"), expected_version=0)
        assert refused.value.exc_type == "ValidationError"
        with pytest.raises(RemoteError) as bad_version:
            rpc.rkpd.set_narrative(TAHUN, 2, sections("x"), expected_version="2")
        assert bad_version.value.exc_type == "ValidationError" and "expected_version" in bad_version.value.value
        assert rpc.rkpd.get_narrative(TAHUN, 2)["version"] == 2

    with rkpd.connect() as conn:
        entries = conn.execute(sa.select(audit.audit_log.c.subject, audit.audit_log.c.before, audit.audit_log.c.after,
                                         audit.audit_log.c.actor)
                               .where(audit.audit_log.c.action == "rkpd.narrative.replaced")
                               .order_by(audit.audit_log.c.seq)).all()
        assert [(e.subject, e.after["version"]) for e in entries] == [(f"{PEMDA}/{TAHUN}/2", 1),
                                                                        (f"{PEMDA}/{TAHUN}/2", 2)]
        assert entries[1].before == entries[0].after and entries[0].actor["sub"] == "bappeda-1"
        assert audit.verify(conn).ok


def test_two_edits_from_the_same_version_at_once_one_wins(amqp_uri, rkpd):
    with bappeda(amqp_uri) as rpc:
        rpc.rkpd.set_narrative(TAHUN, 4, sections("Awal."), expected_version=0)

    def edit(text):
        with bappeda(amqp_uri) as rpc:
            try:
                return rpc.rkpd.set_narrative(TAHUN, 4, sections(text), expected_version=1)["version"]
            except RemoteError as exc:
                assert exc.exc_type == "Conflict", exc
                return "stale"

    pool = eventlet.GreenPool()
    outcomes = list(pool.imap(edit, ["Versi staf satu.", "Versi staf dua."]))
    assert sorted(outcomes, key=str) == [2, "stale"]
    with bappeda(amqp_uri) as rpc:
        final = rpc.rkpd.get_narrative(TAHUN, 4)
    assert final["version"] == 2 and final["sections"][0]["teks"] in ("Versi staf satu.", "Versi staf dua.")
