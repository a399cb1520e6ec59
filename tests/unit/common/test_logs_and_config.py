import json
import logging

import pytest

from eplanning_common import config
from eplanning_common.logs import JsonFormatter, reset_correlation_id, set_correlation_id


def _record(msg="hello %s", args=("dunia",), **extra):
    record = logging.makeLogRecord({"name": "t", "levelname": "INFO", "levelno": 20, "msg": msg, "args": args})
    for k, v in extra.items():
        setattr(record, k, v)
    return record


def test_json_log_line_carries_the_correlation_id_and_extras():
    token = set_correlation_id("abc")
    try:
        line = json.loads(JsonFormatter(service="renja").format(_record(event_id="e1")))
    finally:
        reset_correlation_id(token)
    assert line["message"] == "hello dunia"
    assert line["correlation_id"] == "abc"
    assert line["service"] == "renja"
    assert line["event_id"] == "e1"


def test_json_log_line_without_correlation_id_has_none():
    line = json.loads(JsonFormatter().format(_record()))
    assert "correlation_id" not in line


def test_database_url_precedence(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("RENJA_DATABASE_URL", raising=False)
    monkeypatch.delenv("PG_URI", raising=False)
    monkeypatch.delenv("DB_PREFIX", raising=False)
    assert config.database_url("renja") == "postgresql://postgres@127.0.0.1:5432/eplanning_renja"
    monkeypatch.setenv("DATABASE_URL", "postgresql://x/generic")
    assert config.database_url("renja") == "postgresql://x/generic"
    monkeypatch.setenv("RENJA_DATABASE_URL", "postgresql://x/specific")
    assert config.database_url("renja") == "postgresql://x/specific"


def test_bad_numeric_setting_is_named(monkeypatch):
    monkeypatch.setenv("EVENT_MAX_ATTEMPTS", "five")
    with pytest.raises(ValueError, match="EVENT_MAX_ATTEMPTS"):
        config.event_max_attempts()
