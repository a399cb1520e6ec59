"""Fakes for the gateway's collaborators: no broker, no network."""
from __future__ import annotations

from gateway.exceptions import ServiceTimeout


class FakeRpc:
    """Stands in for NamekoRpc. `answers[(service, method)]` is a value, an exception instance
    (raised), or a callable(*args, **kwargs). Unknown calls time out."""

    def __init__(self, answers=None):
        self.answers = dict(answers or {})
        self.calls = []  # (service, method, args, kwargs)
        self.batches = []  # timeout of each call_many

    def _answer(self, service, method, args, kwargs):
        self.calls.append((service, method, tuple(args), dict(kwargs)))
        answer = self.answers.get((service, method), ServiceTimeout(service, method, 1.0))
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            return answer(*args, **kwargs)
        return answer

    def call(self, service, method, /, *args, **kwargs):
        return self._answer(service, method, args, kwargs)

    def call_many(self, calls, timeout=None):
        self.batches.append(timeout)
        outcomes = []
        for service, method, args, kwargs in calls:
            try:
                outcomes.append(self._answer(service, method, args, kwargs))
            except Exception as exc:
                outcomes.append(exc)
        return outcomes


class FakeBroker:
    def __init__(self, up=True):
        self.up = up
        self.checks = []

    def __call__(self, timeout):
        self.checks.append(timeout)
        return self.up


SERVICES = ("musrenbang", "pokir", "renja", "rkpd")


def healthy(service):
    return {"service": service, "status": "ok", "database": {"ok": True, "host": "db.internal"},
            "broker": {"ok": True}}
