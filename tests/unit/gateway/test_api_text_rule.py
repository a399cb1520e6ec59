"""Issue #18, findings 3 and 8: the text rule at the door, checked on EVERY free-text field of the
API. The fields are not listed by hand: they are read from /v1/openapi.json (every string schema
of a request body or query that carries the text rule's `pattern`), so a field added tomorrow is
tested tomorrow. Through the real Falcon app with a fake RPC: a refused value is a 422 naming the
field, and no service is asked."""
from __future__ import annotations

import re
import uuid
from urllib.parse import quote

import pytest

from gateway.api import catalog, openapi
from gateway.api.binding import query_schemas
from gateway.api.schemas import field_errors

ROLE_SCOPES = {"operator_desa": {"wilayah": "12.21.01.2001"}, "operator_kecamatan": {"wilayah": "12.21.01"},
               "opd": {"opd": "1.03.0.00.0.00.01.0000"}, "anggota_dprd": {"anggota_id": "A01"},
               "staf_ahli": {"anggota_id": "A01"}}
PATH_VALUES = {"tahun": "2027", "pemda": "12.21", "kecamatan": "12.21.01", "opd": "1.03.0.00.0.00.01.0000",
               "tracking_code": "K7Q2M9XA", "bab": "1"}


_CLOSED_FORMATS = {"date", "date-time", "uuid"}


def _closed(pattern: str) -> bool:
    """A pattern that lists every character it lets through (a code: `^[0-9]{2}\\.[0-9]{2}$`); a
    lookaround (`(?=.*[1-9])`) consumes nothing, so it does not count."""
    pattern = re.sub(r"\(\?<?[=!](?:\\.|\[[^\]]*\]|[^()\\])*\)", "", pattern)
    body = re.sub(r"\\.", "", pattern)  # escaped characters are literals, except the classes below
    return pattern.startswith("^") and pattern.endswith("$") and not re.search(r"\\[SDW]", pattern) and \
        "[^" not in body and "." not in re.sub(r"\[[^\]]*\]", "", body)


def _kind(schema: dict) -> str | None:
    """"line" or "multiline" for a free-text string schema (its `x-text`, one line by default);
    None for a string that is not free text (an enum, a date, a uuid, a code pattern, a secret)."""
    types = schema.get("type")
    if not (types == "string" or isinstance(types, list) and "string" in types):
        return None
    if "enum" in schema or "const" in schema or schema.get("format") in _CLOSED_FORMATS:
        return None
    if schema.get("x-text") == "opaque" or _closed(schema.get("pattern", "")):
        return None
    return schema.get("x-text", "line")


def text_fields(schema: dict, path: tuple = ()):
    """(path, kind) of every free-text string under `schema`; a path is a tuple of member names and
    0 for an array item."""
    if not isinstance(schema, dict):
        return
    kind = _kind(schema)
    if kind is not None:
        yield path, kind
    for name, sub in schema.get("properties", {}).items():
        yield from text_fields(sub, (*path, name))
    if isinstance(schema.get("items"), dict):
        yield from text_fields(schema["items"], (*path, 0))
    if isinstance(schema.get("additionalProperties"), dict):
        yield from text_fields(schema["additionalProperties"], (*path, "x"))
    for key in ("anyOf", "oneOf"):
        for sub in schema.get(key, []):
            yield from text_fields(sub, path)


def _document():
    """The document GET /v1/openapi.json serves (gateway.app: `openapi.build(catalog.DOCUMENTED)`;
    `test_the_served_document_is_the_one_these_cases_come_from` checks it is the same)."""
    return openapi.build(catalog.DOCUMENTED)


def body_cases():
    """(method, path, operationId, field path, kind) of every text field of every JSON body and query."""
    cases = []
    for path, item in _document()["paths"].items():
        for method, op in item.items():
            media = op.get("requestBody", {}).get("content", {}).get("application/json")
            if media is not None:
                for field, kind in text_fields(media["schema"]):
                    cases.append((method.upper(), path, op["operationId"], ("body", *field), kind))
            for parameter in op.get("parameters", []):
                if parameter["in"] == "query":
                    for field, kind in text_fields(parameter["schema"]):
                        cases.append((method.upper(), path, op["operationId"], ("query", parameter["name"]), kind))
    return cases


CASES = body_cases()
BY_ID = {op.operation_id: op for op in catalog.DOCUMENTED}


def test_the_served_document_is_the_one_these_cases_come_from(client):
    assert client.simulate_get("/v1/openapi.json").json == _document()


def test_the_document_names_the_free_text_fields_the_issue_names():
    fields = {(op_id, ".".join(map(str, field[1:]))): kind for _m, _p, op_id, field, kind in CASES}
    assert fields[("musrenbang.createUsulan", "gagasan")] == "multiline"
    assert fields[("musrenbang.createUsulan", "permasalahan")] == "multiline"
    assert fields[("musrenbang.closeKecamatan", "tempat")] == "line"
    assert fields[("musrenbang.closeKecamatan", "pimpinan")] == "line"
    assert fields[("musrenbang.closeKecamatan", "catatan")] == "multiline"
    assert fields[("musrenbang.decideUsulan", "reason")] == "line"
    assert fields[("musrenbang.createUsulan", "lampiran.0.nama")] == "line"
    assert len(CASES) > 80


def _nest(field: tuple, value):
    body = value
    for part in reversed(field):
        body = [body] if part == 0 else {part: body}
    return body


def _field_name(field: tuple) -> str:
    out = ""
    for part in field:
        out += f"[{part}]" if part == 0 else (f".{part}" if out else str(part))
    return out


def _url(path: str) -> str:
    def value(match):
        name = match.group(1)
        if name in PATH_VALUES:
            return PATH_VALUES[name]
        return str(uuid.UUID(int=7))  # ids (uuid-typed or free) accept a uuid
    return re.sub(r"{(\w+)}", value, path)


@pytest.fixture
def headers_for(make_user, bearer):
    made = {}

    def headers(operation_id):
        roles = BY_ID[operation_id].roles
        if roles is None:  # public
            return {}
        role = sorted(roles)[0]
        if role not in made:
            make_user(f"text.{role}", role=role, **ROLE_SCOPES.get(role, {}))
            made[role] = bearer(f"text.{role}")
        return made[role]

    return headers


def _send(client, method, path, operation_id, field, value, headers):
    url = _url(path)
    if field[0] == "query":
        media = {"Content-Type": "text/csv"} if operation_id in BY_ID and BY_ID[operation_id].body_media else {}
        return client.simulate_request(method, url, query_string=f"{field[1]}={quote(value)}",
                                       headers={**headers, **media}, body=b"kode\n" if media else None)
    return client.simulate_request(method, url, json=_nest(field[1:], value),
                                   headers={**headers, "If-Match": '"x"', "Idempotency-Key": "text-rule-0001"})


@pytest.mark.parametrize("bad", ["Dusun \uffff", "Dusun \ufffe", "Dusun \x01", "Dusun \x85"],
                         ids=["U+FFFF", "U+FFFE", "SOH", "NEL"])
@pytest.mark.parametrize("method, path, operation_id, field, kind", CASES,
                         ids=[f"{c[2]}:{_field_name(c[3])}" for c in CASES])
def test_a_character_no_format_can_hold_is_refused_on_every_free_text_field(
        client, rpc, headers_for, method, path, operation_id, field, kind, bad):
    result = _send(client, method, path, operation_id, field, bad, headers_for(operation_id))
    assert result.status_code == 422, (operation_id, field, result.status_code, result.text[:500])
    name = _field_name(field[1:])
    refused = {(e["field"], e.get("code")) for e in result.json["errors"]}
    assert any(f == name or f.startswith(name + ".") or f.startswith(name + "[") for f, code in refused
               if code == "invalid_character") or (name.endswith(".x") and any(
                   code == "invalid_character" for _f, code in refused)), refused
    assert [c for c in rpc.calls if c[1] != "health"] == []


LINE_CASES = [c for c in CASES if c[4] == "line"]


@pytest.mark.parametrize("method, path, operation_id, field, kind", LINE_CASES,
                         ids=[f"{c[2]}:{_field_name(c[3])}" for c in LINE_CASES])
def test_a_line_break_in_a_one_line_field_is_refused_by_its_schema(method, path, operation_id, field, kind):
    op = BY_ID[operation_id]
    if operation_id.startswith(("auth.", "admin.")):  # served by gateway.auth, validated by its own specs
        pytest.skip("gateway.auth route: its strings are codes (closed patterns) or secrets")
    if field[0] == "query":
        errors = field_errors("Aula\nKantor", query_schemas(op)[field[1]], field[1])
    else:
        errors = field_errors(_nest(field[1:], "Aula\n# Kantor"), op.body)
    name = _field_name(field[1:])
    assert any(e.code == "line_break" and (e.field == name or name.endswith(".x")) for e in errors), errors


@pytest.mark.parametrize("value", ["Baris satu\nbaris dua", "Tab\tdi tengah", "Emoji \U0001F600 dan é"])
def test_multi_line_fields_keep_newlines_tabs_and_any_other_character(client, rpc, headers_for, value):
    op = BY_ID["musrenbang.closeKecamatan"]
    assert field_errors({"tanggal": "2027-02-10", "tempat": "Aula", "jumlah_peserta": 3, "catatan": value},
                        op.body) == []


def test_a_trailing_newline_does_not_slip_past_a_one_line_rule_or_a_code_pattern():
    op = BY_ID["musrenbang.closeKecamatan"]
    errors = field_errors({"tanggal": "2027-02-10", "tempat": "Aula\n", "jumlah_peserta": 3}, op.body)
    assert [(e.field, e.code) for e in errors] == [("tempat", "line_break")]
    assert field_errors("12.21\n", {"type": "string", "pattern": r"^[0-9]{2}\.[0-9]{2}$"}, "pemda") != []


# -- finding 8: lampiran[].url accepted javascript: and file: (JSON Schema `uri`) ------------------------

@pytest.mark.parametrize("url", ["javascript:alert(document.cookie)", "file:///etc/passwd", "http://contoh.id/a.jpg",
                                 "data:text/html,<script>alert(1)</script>", "JAVASCRIPT:alert(1)",
                                 "https://", "https:///etc/passwd", "https://user@evil.example/x"])
def test_an_attachment_url_that_is_not_https_is_422_naming_the_field(client, rpc, headers_for, url):
    body = {"desa": "12.21.01.2001", "kamus_item_id": "12.21/2027/DRN-01", "volume": "1", "permasalahan": "Banjir",
            "gagasan": "Drainase", "lampiran": [{"nama": "foto.jpg", "url": url}]}
    result = client.simulate_post("/v1/musrenbang/2027/usulan", json=body,
                                  headers=headers_for("musrenbang.createUsulan"))
    assert result.status_code == 422, result.text
    assert {"field": "lampiran[0].url", "code": "url_https"} in [
        {k: e[k] for k in ("field", "code")} for e in result.json["errors"]]
    assert rpc.calls == []


def test_an_https_attachment_url_is_documented_and_accepted_by_the_schema():
    op = BY_ID["musrenbang.createUsulan"]
    lampiran = op.body["properties"]["lampiran"]
    url_schema = (lampiran["anyOf"][0] if "anyOf" in lampiran else lampiran)["items"]["properties"]["url"]
    assert url_schema["pattern"].startswith("^https://")
    body = {"desa": "12.21.01.2001", "kamus_item_id": "12.21/2027/DRN-01", "volume": "1", "permasalahan": "Banjir",
            "gagasan": "Drainase", "lampiran": [{"nama": "foto.jpg", "url": "https://berkas.padanglawas.go.id/a.jpg"}]}
    assert field_errors(body, op.body) == []


@pytest.mark.parametrize("pattern, gets_the_rule", [
    (r"^(?=.*[1-9])[0-9]{1,10}(\.[0-9]{1,3})?$", False),  # the volume: the lookahead consumes nothing
    (r"^(?![\)])[a-z]+$", False),
    (r"^[0-9]{2}\.[0-9]{2}$", False),
    (r"^(?=a).*$", True),  # what follows the lookahead is open
    (r"^(?=a)[^x]+$", True),
    (r"[0-9]+", True),  # not anchored
])
def test_a_closed_code_pattern_gets_no_second_pattern_and_an_open_one_gets_the_rule(pattern, gets_the_rule):
    """A second pattern beside a closed one refuses nothing more and makes generated clients and
    fuzzers filter (schemathesis stopped on the usulan decision's `revised_volume`)."""
    from gateway.api.schemas import with_text_rule

    schema = with_text_rule({"type": "string", "pattern": pattern})
    patterns = [schema["pattern"], *(sub["pattern"] for sub in schema.get("allOf", []))]
    assert pattern in patterns and len(patterns) == (2 if gets_the_rule else 1)
    # the anchored one is what a generator draws from: an unanchored own pattern goes beside the rule
    assert schema["pattern"].startswith("^")


def test_the_decision_volume_carries_its_own_pattern_only():
    document = _document()
    body = document["paths"]["/v1/musrenbang/usulan/{usulan_id}/decisions"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]] if "$ref" in schema else schema
    volume = schema["properties"]["revised_volume"]
    assert "allOf" not in volume and volume["pattern"].startswith("^(?=")
