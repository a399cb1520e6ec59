"""The demo's HTTP client (eplanning_demo.client) against a fake gateway on localhost: a token per
user and a new login after a 401, retries of lost answers / 503 / 504 / 429 with the same
Idempotency-Key, and checked updates (a 412 after a retry is fine when the change is already there)."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from eplanning_demo.client import Api, ApiError, Unavailable


class Fake:
    """The fake gateway's state and script."""

    def __init__(self):
        self.logins = []
        self.login_pemda = []  # the `pemda` of each sign-in (None: the gateway's default)
        self.tokens_seen = []
        self.expire_next = False
        self.keys = []
        self.created = {}
        self.drop_next = 0  # writes: apply, then drop the connection (the answer is lost)
        self.fail_next: list[int] = []  # writes: apply, then answer this status instead
        self.fail_get: list[int] = []  # reads: answer this status
        self.obj = {"status": "draft", "version": 1}
        self.bump_before_write = 0  # someone else changes the object just before our write
        self.applied = 0
        self.lock = threading.Lock()


def make_server(fake: Fake):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, status, body=None, headers=None):
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length)) if length else None

        def _etag(self):
            return f'"v{fake.obj["version"]}"'

        def _script(self, failures=None) -> bool:
            """Drop the connection or answer a scripted failure instead of the real answer."""
            failures = fake.fail_next if failures is None else failures
            if fake.drop_next and failures is fake.fail_next:
                fake.drop_next -= 1
                self.close_connection = True
                return True
            if failures:
                status = failures.pop(0)
                body = {"status": status, "title": "unavailable"}
                if status == 409:  # the first attempt with this Idempotency-Key still runs
                    body = {"status": 409, "code": "idempotency_in_progress", "title": "in progress"}
                self._answer(status, body, {"Retry-After": "1"})
                return True
            return False

        def _authorized(self) -> bool:
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            fake.tokens_seen.append(token)
            if fake.expire_next or token != f"t-{len(fake.logins)}":
                fake.expire_next = False
                self._answer(401, {"status": 401, "code": "token_expired"})
                return False
            return True

        def do_POST(self):
            body = self._body()
            with fake.lock:
                if self.path == "/v1/auth/login":
                    fake.logins.append(body["username"])
                    fake.login_pemda.append(body.get("pemda"))
                    return self._answer(200, {"access_token": f"t-{len(fake.logins)}"})
                if not self._authorized():
                    return None
                if self.path == "/create":
                    key = self.headers.get("Idempotency-Key")
                    fake.keys.append(key)
                    if key not in fake.created:  # the effect happens even if the answer is lost
                        fake.created[key] = {"id": f"id-{len(fake.created) + 1}", **body}
                    if self._script():
                        return None
                    return self._answer(201, fake.created[key])
                if self.path == "/obj/act":
                    if fake.bump_before_write:
                        fake.bump_before_write -= 1
                        fake.obj = {**fake.obj, "version": fake.obj["version"] + 1}
                    if self.headers.get("If-Match") != self._etag():
                        return self._answer(412, {"status": 412, "code": "stale_etag"})
                    if body["status"] == "refused":
                        return self._answer(409, {"status": 409, "code": "invalid_status", "detail": "no"})
                    fake.obj = {"status": body["status"], "version": fake.obj["version"] + 1}
                    fake.applied += 1
                    if self._script():
                        return None
                    return self._answer(200, fake.obj)
            return self._answer(404, {"status": 404})

        def do_GET(self):
            with fake.lock:
                if not self._authorized():
                    return None
                if self._script(fake.fail_get):
                    return None
                if self.path == "/obj":
                    return self._answer(200, fake.obj, {"ETag": self._etag()})
                return self._answer(200, {"ok": True})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def fake():
    return Fake()


@pytest.fixture
def api(fake):
    server = make_server(fake)
    client = Api(f"http://127.0.0.1:{server.server_address[1]}", max_attempts=4, sleep=lambda _: None, timeout=10)
    client.register("desa.1", "kata-sandi-rahasia")
    yield client
    server.shutdown()
    server.server_close()


def test_logs_in_once_and_again_after_a_401(api, fake):
    assert api.get("desa.1", "/thing") == {"ok": True}
    assert api.get("desa.1", "/thing") == {"ok": True}
    assert fake.logins == ["desa.1"]
    fake.expire_next = True
    assert api.get("desa.1", "/thing") == {"ok": True}
    assert fake.logins == ["desa.1", "desa.1"] and api.stats.relogins == 1


def test_a_user_of_another_pemda_signs_in_to_it(api, fake):
    api.register("admin.32.73", "kata-sandi-kota", "32.73")
    assert api.get("admin.32.73", "/thing") == {"ok": True}
    assert api.get("desa.1", "/thing") == {"ok": True}
    assert list(zip(fake.logins, fake.login_pemda)) == [("admin.32.73", "32.73"), ("desa.1", None)]


def test_a_lost_answer_is_retried_with_the_same_idempotency_key(api, fake):
    fake.drop_next = 1
    created = api.create("desa.1", "/create", {"gagasan": "Drainase"}, key="demo-1-usulan-000001")
    assert created == {"id": "id-1", "gagasan": "Drainase"}
    assert fake.keys == ["demo-1-usulan-000001"] * 2 and len(fake.created) == 1
    assert api.stats.retries == 1


@pytest.mark.parametrize("status", [503, 504, 429])
def test_transient_statuses_are_retried(api, fake, status):
    fake.fail_get = [status, status]
    assert api.get("desa.1", "/thing") == {"ok": True}
    assert api.stats.retries == 2


def test_a_500_is_retried_a_few_times_then_reported(api, fake):
    api.server_error_retries = 2
    fake.fail_get = [500, 500]
    assert api.get("desa.1", "/thing") == {"ok": True}
    assert api.stats.server_errors == 2
    fake.fail_get = [500, 500, 500]
    with pytest.raises(ApiError) as failed:
        api.get("desa.1", "/thing")
    assert failed.value.status == 500 and not isinstance(failed.value, Unavailable)


def test_gives_up_after_the_last_attempt(api, fake):
    fake.fail_get = [503] * 10
    with pytest.raises(Unavailable) as failed:
        api.get("desa.1", "/thing")
    assert failed.value.status == 503


def test_a_first_attempt_still_running_is_waited_out_past_the_last_attempt(api, fake):
    """A service killed mid-call holds the key's first attempt until the RPC times out: the client
    keeps waiting (here 6 answers of 409 idempotency_in_progress for 4 attempts), within its budget."""
    fake.fail_get = [409] * 6
    assert api.get("desa.1", "/thing") == {"ok": True}
    assert api.stats.retries == 6
    api.in_progress_seconds = 2.0  # Retry-After 1 s: two waits past the last attempt, then it gives up
    fake.fail_get = [409] * 10
    with pytest.raises(Unavailable) as failed:
        api.get("desa.1", "/thing")
    assert failed.value.status == 409


def test_a_412_after_a_retry_is_fine_when_the_change_is_there(api, fake):
    fake.fail_next = [503]  # the write is applied, its answer is lost; the retry meets a new ETag
    state = api.update("desa.1", "POST", "/obj/act", {"status": "diajukan"}, read="/obj",
                       applied=lambda s: s["status"] == "diajukan")
    assert state["status"] == "diajukan" and fake.applied == 1 and api.stats.checked == 1


def test_a_412_from_someone_elses_change_is_retried_on_the_fresh_etag(api, fake):
    fake.bump_before_write = 1
    state = api.update("desa.1", "POST", "/obj/act", {"status": "diajukan"}, read="/obj",
                       applied=lambda s: s["status"] == "diajukan")
    assert state == {"status": "diajukan", "version": 3} and fake.applied == 1


def test_an_update_already_applied_is_not_sent_again(api, fake):
    fake.obj = {"status": "diajukan", "version": 5}
    api.update("desa.1", "POST", "/obj/act", {"status": "diajukan"}, read="/obj",
               applied=lambda s: s["status"] == "diajukan")
    assert fake.applied == 0


def test_a_refusal_that_is_not_already_applied_raises(api, fake):
    with pytest.raises(ApiError) as refused:
        api.update("desa.1", "POST", "/obj/act", {"status": "refused"}, read="/obj",
                   applied=lambda s: s["status"] == "refused")
    assert refused.value.status == 409 and refused.value.code == "invalid_status"
    assert "invalid_status" in str(refused.value) and fake.applied == 0
