"""The webhook admin API (/v1/webhooks/...) on the real app, with an in-memory twin of
gateway.webhooks.store.WebhookStore (the SQL store itself is tested on PostgreSQL in
tests/integration/test_webhooks.py)."""
from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta, timezone

import falcon.testing
import pytest

from gateway.api.idempotency import MemoryIdempotencyStore
from gateway.app import create_app
from gateway.problems import PROBLEM_CONTENT_TYPE
from gateway.webhooks import matching, signing
from gateway.webhooks.store import PING_TYPE, DeliveryInFlight

from gateway_fakes import SERVICES

BASE = "/v1/webhooks"
PARTNER_URL = "https://partner.example.org/eplanning/webhook"


class MemoryWebhookStore:
    """The API-side contract of WebhookStore (see its docstring), in memory."""

    def __init__(self):
        self.subscriptions: dict[str, dict] = {}
        self.secrets: dict[str, str] = {}
        self.deliveries: dict[str, dict] = {}
        self._seq = itertools.count(1)
        self.calls: list[tuple] = []
        self.actors: list[tuple] = []  # (operation, the identity passed for the audit log)

    @staticmethod
    def now():
        return datetime.now(timezone.utc)

    def create_subscription(self, pemda, name, url, event_types, created_by, actor=None):
        self.calls.append(("create", pemda, created_by))
        self.actors.append(("create", actor))
        secret = signing.new_secret()
        row = {"id": str(uuid.uuid4()), "seq": next(self._seq), "pemda": pemda, "name": name, "url": url,
               "event_types": list(event_types), "active": True, "paused_at": None, "pause_reason": None,
               "consecutive_failures": 0, "created_by": created_by, "created_at": self.now(),
               "updated_at": self.now()}
        self.subscriptions[row["id"]] = row
        self.secrets[row["id"]] = secret
        return self._public(row), secret

    @staticmethod
    def _public(row):
        return {k: v for k, v in row.items() if k != "seq"}

    def _mine(self, pemda, subscription_id):
        row = self.subscriptions.get(subscription_id)
        return row if row is not None and row["pemda"] == pemda else None

    def list_subscriptions(self, pemda, after_seq=None, limit=50):
        rows = sorted((r for r in self.subscriptions.values()
                       if r["pemda"] == pemda and (after_seq is None or r["seq"] > after_seq)), key=lambda r: r["seq"])
        page = rows[:limit]
        return [self._public(r) for r in page], (page[-1]["seq"] if len(rows) > limit else None)

    def get_subscription(self, pemda, subscription_id):
        row = self._mine(pemda, subscription_id)
        return self._public(row) if row else None

    def update_subscription(self, pemda, subscription_id, changes, actor=None):
        self.actors.append(("update", actor))
        assert set(changes) <= {"name", "url", "event_types", "active"}
        row = self._mine(pemda, subscription_id)
        if row is None:
            return None
        self.calls.append(("update", subscription_id, dict(changes)))
        active = changes.pop("active", row["active"])
        row.update(changes)
        if active and not row["active"]:
            row.update(active=True, paused_at=None, pause_reason=None, consecutive_failures=0)
        elif not active and row["active"]:
            row.update(active=False, paused_at=self.now(), pause_reason="manual")
        row["updated_at"] = self.now()
        return self._public(row)

    def delete_subscription(self, pemda, subscription_id, actor=None):
        self.actors.append(("delete", actor))
        if self._mine(pemda, subscription_id) is None:
            return False
        del self.subscriptions[subscription_id]
        self.deliveries = {k: d for k, d in self.deliveries.items() if d["subscription_id"] != subscription_id}
        return True

    def add_delivery(self, subscription_id, status="failed", attempt_log=(), locked=False, event_type=None):
        delivery = {"id": str(uuid.uuid4()), "seq": next(self._seq), "subscription_id": subscription_id,
                    "event_id": str(uuid.uuid4()), "event_type": event_type or "id.eplanning.musrenbang.usulan.submitted.v1",
                    "status": status, "attempts": len(attempt_log), "round_attempts": len(attempt_log),
                    "next_attempt_at": self.now() if status in ("pending", "failed") else None,
                    "last_status": None, "last_error": None, "created_at": self.now(), "updated_at": self.now(),
                    "delivered_at": self.now() if status == "delivered" else None,
                    "locked_until": self.now() + timedelta(seconds=40) if locked else None,
                    "attempt_log": list(attempt_log)}
        self.deliveries[delivery["id"]] = delivery
        return delivery

    def list_deliveries(self, pemda, subscription_id, status=None, after_seq=None, limit=50):
        if self._mine(pemda, subscription_id) is None:
            return None
        rows = sorted((d for d in self.deliveries.values() if d["subscription_id"] == subscription_id
                       and (status is None or d["status"] == status)
                       and (after_seq is None or d["seq"] < after_seq)), key=lambda d: -d["seq"])
        page = rows[:limit]
        return [self._public(d) for d in page], (page[-1]["seq"] if len(rows) > limit else None)

    def get_delivery(self, pemda, delivery_id):
        d = self.deliveries.get(delivery_id)
        return self._public(d) if d and self._mine(pemda, d["subscription_id"]) else None

    def replay_delivery(self, pemda, delivery_id, actor=None):
        self.actors.append(("replay", actor))
        d = self.deliveries.get(delivery_id)
        if d is None or self._mine(pemda, d["subscription_id"]) is None:
            return None
        if d["locked_until"] and d["locked_until"] > self.now():
            raise DeliveryInFlight(delivery_id)
        d.update(status="pending", round_attempts=0, next_attempt_at=self.now())
        self.calls.append(("replay", delivery_id))
        return self._public(d)

    def enqueue_test(self, pemda, subscription_id, actor=None):
        self.actors.append(("ping", actor))
        if self._mine(pemda, subscription_id) is None:
            return None
        return self._public(self.add_delivery(subscription_id, status="pending", event_type=PING_TYPE))


@pytest.fixture
def webhooks():
    return MemoryWebhookStore()


@pytest.fixture
def client(rpc, broker, auth, webhooks):
    app = create_app(rpc=rpc, broker_check=broker, services=SERVICES, readiness_timeout=2.0, max_body_bytes=16384,
                     auth=auth, idempotency_store=MemoryIdempotencyStore(), deps={"webhooks": webhooks})
    return falcon.testing.TestClient(app)


@pytest.fixture
def headers_of(client, make_user):
    """headers_of(role, pemda="12.21", **scopes) -> Authorization headers of a fresh user."""
    counter = itertools.count(1)

    def make(role, pemda="12.21", **scopes):
        user = make_user(f"user{next(counter)}", role=role, pemda=pemda, **scopes)
        result = client.simulate_post("/v1/auth/login", json={"username": user.username, "pemda": pemda,
                                                               "password": "kata-sandi-rahasia-1"})
        assert result.status_code == 200, result.text
        return {"Authorization": f"Bearer {result.json['access_token']}"}

    return make


@pytest.fixture
def admin(headers_of):
    return headers_of("admin")


@pytest.fixture(autouse=True)
def public_addresses_only(monkeypatch):
    monkeypatch.delenv("GATEWAY_WEBHOOKS_ALLOW_PRIVATE", raising=False)


def create(client, headers, **fields):
    body = {"name": "Portal Transparansi", "url": PARTNER_URL, "event_types": ["musrenbang.usulan.*"], **fields}
    return client.simulate_post(f"{BASE}/subscriptions", json={k: v for k, v in body.items() if v is not ...},
                                headers=headers)


def error_codes(result):
    assert result.status_code == 422, result.text
    assert result.headers["content-type"] == PROBLEM_CONTENT_TYPE
    return {(e["field"], e["code"]) for e in result.json["errors"]}


# -- authorization ------------------------------------------------------------------------------

@pytest.mark.parametrize("role, scopes", [("operator_desa", {"wilayah": "12.21.01.2001"}), ("opd", {"opd": "1.01"}),
                                          ("setwan", {}), ("anggota_dprd", {"anggota_id": "A1"})])
def test_only_admin_and_bappeda_may_touch_webhooks(client, headers_of, webhooks, role, scopes):
    owner = create(client, headers_of("admin")).json
    delivery = webhooks.add_delivery(owner["id"])
    headers = headers_of(role, **scopes)
    sid = owner["id"]
    results = [create(client, headers), client.simulate_get(f"{BASE}/subscriptions", headers=headers),
               client.simulate_get(f"{BASE}/subscriptions/{sid}", headers=headers),
               client.simulate_patch(f"{BASE}/subscriptions/{sid}", json={"active": False}, headers=headers),
               client.simulate_delete(f"{BASE}/subscriptions/{sid}", headers=headers),
               client.simulate_get(f"{BASE}/subscriptions/{sid}/deliveries", headers=headers),
               client.simulate_post(f"{BASE}/subscriptions/{sid}/test", headers=headers),
               client.simulate_post(f"{BASE}/deliveries/{delivery['id']}/replay", headers=headers)]
    assert [r.status_code for r in results] == [403] * 8
    assert len(webhooks.subscriptions) == 1 and webhooks.subscriptions[sid]["active"]


def test_webhooks_need_a_token(client):
    assert client.simulate_get(f"{BASE}/subscriptions").status_code == 401
    assert client.simulate_post(f"{BASE}/subscriptions", json={}).status_code == 401


def test_bappeda_manages_them_too(client, headers_of):
    assert create(client, headers_of("bappeda")).status_code == 201


# -- create -------------------------------------------------------------------------------------

def test_create_answers_201_with_the_secret_once_and_never_again(client, admin, webhooks):
    result = create(client, admin, event_types=["id.eplanning.musrenbang.usulan.submitted.v1", "*.stage.closed.v1"])

    assert result.status_code == 201, result.text
    body = result.json
    assert result.headers["location"] == f"{BASE}/subscriptions/{body['id']}"
    assert result.headers["cache-control"] == "no-store"
    assert body["secret"].startswith("whsec_") and body["secret"] == webhooks.secrets[body["id"]]
    assert body["event_types"] == ["musrenbang.usulan.submitted.v1", "*.stage.closed.v1"]  # prefix dropped
    assert body["status"] == "active" and body["pemda"] == "12.21"

    for path in (f"{BASE}/subscriptions/{body['id']}", f"{BASE}/subscriptions"):
        again = client.simulate_get(path, headers=admin)
        assert again.status_code == 200
        assert body["secret"] not in again.text and "secret" not in again.text


def test_the_pemda_and_creator_come_from_the_token_not_the_body(client, headers_of, webhooks):
    headers = headers_of("admin", pemda="12.22")
    assert error_codes(create(client, headers, pemda="12.21")) == {("pemda", "unknown_field")}
    assert create(client, headers).status_code == 201
    (call,) = [c for c in webhooks.calls if c[0] == "create"]
    assert call[1] == "12.22"
    assert call[2] == next(iter(webhooks.subscriptions.values()))["created_by"]


@pytest.mark.parametrize("url, code", [
    ("ftp://partner.example.org/hook", "url_scheme"),
    ("https://user:pass@partner.example.org/hook", "url_credentials"),
    ("https://partner.example.org/hook#frag", "url_fragment"),
    ("http://partner.example.org/hook", "url_scheme"),
    ("https://127.0.0.1:8080/hook", "url_private"),
    ("https://169.254.169.254/latest/meta-data", "url_private"),
    ("https://[::1]/hook", "url_private"),
    ("https://localhost/hook", "url_private"),
    ("https://rabbitmq:15672/api", "url_private"),
    ("https://partner.example.org:99999/hook", "url_port"),
])
def test_urls_that_are_refused(client, admin, webhooks, url, code):
    assert error_codes(create(client, admin, url=url)) == {("url", code)}
    assert webhooks.subscriptions == {}


def test_the_url_is_stored_with_its_scheme_and_host_in_lower_case(client, admin):
    created = create(client, admin, url="HTTPS://Partner.Example.ORG:8443/Hook/Path?Key=Value")
    assert created.status_code == 201
    assert created.json["url"] == "https://partner.example.org:8443/Hook/Path?Key=Value"


def test_private_addresses_are_allowed_when_configured(client, admin, monkeypatch):
    monkeypatch.setenv("GATEWAY_WEBHOOKS_ALLOW_PRIVATE", "1")
    assert create(client, admin, url="http://127.0.0.1:8080/hook").status_code == 201
    # credentials stay refused
    assert error_codes(create(client, admin, url="http://a:b@127.0.0.1/")) == {("url", "url_credentials")}


@pytest.mark.parametrize("event_types, expected", [
    (["musrenbang.usulan.submited.v1"], {("event_types[0]", "event_type_unknown")}),
    (["musrenbang.usulan.submitted"], {("event_types[0]", "event_type_unknown")}),
    (["Musrenbang.*"], {("event_types[0]", "event_type_pattern")}),
    (["musrenbang.*", "renja..x"], {("event_types[1]", "event_type_pattern")}),
    (["musrenbang.*", "id.eplanning.musrenbang.*"], {("event_types[1]", "event_type_repeated")}),
    ([], {("event_types", "too_few_items")}),
])
def test_event_type_patterns_are_checked_against_the_published_types(client, admin, event_types, expected):
    assert error_codes(create(client, admin, event_types=event_types)) == expected


def test_every_published_type_can_be_subscribed_exactly():
    from gateway.api.webhooks import published_types

    known = published_types()
    assert "id.eplanning.musrenbang.usulan.submitted.v1" in known and len(known) > 20
    assert matching.unmatched([matching.normalize(t) for t in known], known) == []


def test_errors_are_in_english_on_request(client, admin):
    result = client.simulate_post(f"{BASE}/subscriptions", headers={**admin, "Accept-Language": "en"},
                                  json={"name": "P", "url": "ftp://x.example.org/", "event_types": ["musrenbang.*"]})
    assert result.status_code == 422
    assert result.json["errors"][0]["message"] == "The URL must start with https://."
    indonesian = create(client, admin, url="ftp://x.example.org/")
    assert indonesian.json["errors"][0]["message"].startswith("Alamat harus diawali")


# -- reading, paging, pemda isolation -----------------------------------------------------------

def test_subscriptions_are_paged_with_an_opaque_cursor(client, admin):
    ids = [create(client, admin, name=f"P{i}").json["id"] for i in range(3)]

    first = client.simulate_get(f"{BASE}/subscriptions", params={"limit": 2}, headers=admin)
    assert [s["id"] for s in first.json["items"]] == ids[:2]
    assert first.json["next_cursor"] and "rel=next" in first.headers["link"]
    second = client.simulate_get(f"{BASE}/subscriptions", params={"limit": 2, "cursor": first.json["next_cursor"]},
                                 headers=admin)
    assert [s["id"] for s in second.json["items"]] == ids[2:]
    assert second.json["next_cursor"] is None
    assert error_codes(client.simulate_get(f"{BASE}/subscriptions", params={"cursor": "bm9wZQ"},
                                           headers=admin)) == {("cursor", "cursor")}


def test_another_pemdas_subscription_does_not_exist_for_the_caller(client, headers_of, webhooks):
    theirs = create(client, headers_of("admin", pemda="12.22")).json
    delivery = webhooks.add_delivery(theirs["id"], status="dead")
    mine = headers_of("admin")
    sid = theirs["id"]
    results = [client.simulate_get(f"{BASE}/subscriptions/{sid}", headers=mine),
               client.simulate_patch(f"{BASE}/subscriptions/{sid}", json={"active": False}, headers=mine),
               client.simulate_delete(f"{BASE}/subscriptions/{sid}", headers=mine),
               client.simulate_get(f"{BASE}/subscriptions/{sid}/deliveries", headers=mine),
               client.simulate_post(f"{BASE}/subscriptions/{sid}/test", headers=mine),
               client.simulate_post(f"{BASE}/deliveries/{delivery['id']}/replay", headers=mine)]
    assert [r.status_code for r in results] == [404] * 6
    assert client.simulate_get(f"{BASE}/subscriptions", headers=mine).json["items"] == []
    assert webhooks.subscriptions[sid]["active"] and webhooks.deliveries[delivery["id"]]["status"] == "dead"


def test_deliveries_show_their_attempts(client, admin, webhooks):
    sid = create(client, admin).json["id"]
    at = datetime(2027, 1, 10, 2, 0, tzinfo=timezone.utc)
    log = [{"attempt_no": 1, "started_at": at, "finished_at": at, "duration_ms": 12, "ok": False, "http_status": 500,
            "error": "HTTP 500", "response_excerpt": "boom"},
           {"attempt_no": 2, "started_at": at, "finished_at": None, "duration_ms": None, "ok": None,
            "http_status": None, "error": None, "response_excerpt": None}]
    failed = webhooks.add_delivery(sid, status="failed", attempt_log=log, locked=True)
    webhooks.add_delivery(sid, status="delivered")

    everything = client.simulate_get(f"{BASE}/subscriptions/{sid}/deliveries", headers=admin)
    assert [d["status"] for d in everything.json["items"]] == ["delivered", "failed"]  # newest first
    only_failed = client.simulate_get(f"{BASE}/subscriptions/{sid}/deliveries", params={"status": "failed"},
                                      headers=admin).json["items"]
    (item,) = only_failed
    assert item["id"] == failed["id"] and item["attempt_count"] == 2 and item["in_flight"] is True
    assert [(a["attempt_no"], a["outcome"], a["http_status"]) for a in item["attempts"]] == \
        [(1, "failed", 500), (2, "unknown", None)]
    assert item["attempts"][0]["started_at"] == "2027-01-10T02:00:00+00:00"
    assert error_codes(client.simulate_get(f"{BASE}/subscriptions/{sid}/deliveries", params={"status": "lost"},
                                           headers=admin)) == {("status", "choice")}


# -- changes ------------------------------------------------------------------------------------

def test_patch_pauses_and_resumes(client, admin, webhooks):
    sid = create(client, admin).json["id"]

    paused = client.simulate_patch(f"{BASE}/subscriptions/{sid}", json={"active": False}, headers=admin)
    assert paused.status_code == 200
    assert paused.json["status"] == "paused" and paused.json["pause_reason"] == "manual" and paused.json["paused_at"]
    resumed = client.simulate_patch(f"{BASE}/subscriptions/{sid}", json={"active": True}, headers=admin)
    assert resumed.json["status"] == "active" and resumed.json["paused_at"] is None
    assert ("update", sid, {"active": True}) in webhooks.calls


def test_patch_checks_what_it_changes(client, admin, webhooks):
    sid = create(client, admin).json["id"]
    assert error_codes(client.simulate_patch(f"{BASE}/subscriptions/{sid}", json={}, headers=admin)) == \
        {("", "no_changes")}
    assert error_codes(client.simulate_patch(f"{BASE}/subscriptions/{sid}", json={"url": "https://10.0.0.5/"},
                                             headers=admin)) == {("url", "url_private")}
    assert error_codes(client.simulate_patch(f"{BASE}/subscriptions/{sid}", json={"secret": "mine"},
                                             headers=admin)) == {("secret", "unknown_field")}
    changed = client.simulate_patch(f"{BASE}/subscriptions/{sid}", headers=admin,
                                    json={"url": "https://new.example.org/h", "event_types": ["*"]})
    assert changed.status_code == 200
    assert changed.json["url"] == "https://new.example.org/h" and changed.json["event_types"] == ["*"]


def test_delete_removes_it_with_its_deliveries(client, admin, webhooks):
    sid = create(client, admin).json["id"]
    webhooks.add_delivery(sid)
    assert client.simulate_delete(f"{BASE}/subscriptions/{sid}", headers=admin).status_code == 204
    assert client.simulate_get(f"{BASE}/subscriptions/{sid}", headers=admin).status_code == 404
    assert webhooks.deliveries == {}


def test_replay_requeues_a_delivery(client, admin, webhooks):
    sid = create(client, admin).json["id"]
    delivered = webhooks.add_delivery(sid, status="delivered")

    result = client.simulate_post(f"{BASE}/deliveries/{delivered['id']}/replay", headers=admin)

    assert result.status_code == 202, result.text
    assert result.json["status"] == "pending" and result.json["event_id"] == delivered["event_id"]
    assert ("replay", delivered["id"]) in webhooks.calls


def test_replay_of_a_delivery_being_sent_is_409_and_unknown_is_404(client, admin, webhooks):
    sid = create(client, admin).json["id"]
    busy = webhooks.add_delivery(sid, status="failed", locked=True)
    conflict = client.simulate_post(f"{BASE}/deliveries/{busy['id']}/replay", headers=admin)
    assert conflict.status_code == 409 and conflict.json["code"] == "webhook_delivery_in_flight"
    assert webhooks.deliveries[busy["id"]]["status"] == "failed"
    missing = client.simulate_post(f"{BASE}/deliveries/{uuid.uuid4()}/replay", headers=admin)
    assert missing.status_code == 404 and missing.json["code"] == "webhook_delivery_not_found"


def test_test_queues_a_ping_delivery(client, admin, webhooks):
    sid = create(client, admin).json["id"]
    result = client.simulate_post(f"{BASE}/subscriptions/{sid}/test", headers=admin)
    assert result.status_code == 202
    assert result.json["event_type"] == PING_TYPE and result.json["status"] == "pending"
    assert [d["event_type"] for d in webhooks.deliveries.values()] == [PING_TYPE]


# -- audit ----------------------------------------------------------------------------------------

def test_every_administrative_change_hands_the_callers_identity_to_the_store_for_the_audit_log(client, headers_of,
                                                                                               webhooks):
    headers = headers_of("admin")
    sid = create(client, headers).json["id"]
    delivery = webhooks.add_delivery(sid)

    client.simulate_patch(f"{BASE}/subscriptions/{sid}", json={"active": False}, headers=headers)
    client.simulate_post(f"{BASE}/subscriptions/{sid}/test", headers=headers)
    client.simulate_post(f"{BASE}/deliveries/{delivery['id']}/replay", headers=headers)
    client.simulate_delete(f"{BASE}/subscriptions/{sid}", headers=headers)

    assert [op for op, _ in webhooks.actors] == ["create", "update", "ping", "replay", "delete"]
    creator = webhooks.calls[0][2]  # ("create", pemda, created_by)
    assert all(actor["sub"] == creator and actor["role"] == "admin" and actor["pemda"] == "12.21"
               for _, actor in webhooks.actors)
