"""schemathesis hooks for tests/integration/test_fuzz_api.py (loaded by the CLI through
SCHEMATHESIS_HOOKS=tests.integration.fuzz_hooks).

`problem_json`: every error answer (4xx and 5xx), documented or not, is RFC 9457
`application/problem+json` whose body matches the Problem schema of /v1/openapi.json and whose
`status` member is the HTTP status. (content_type_conformance and response_schema_conformance
check the same for the statuses an operation documents; this one also covers the others.)

A `text/csv` serializer: the CSV imports (kamus, OPD register) take the document's string as the
body, so schemathesis can send them (it knows no CSV of its own).
"""
import json

import schemathesis
from jsonschema import Draft202012Validator

from gateway.api.openapi import PROBLEM_SCHEMA

_PROBLEM = Draft202012Validator(PROBLEM_SCHEMA)


@schemathesis.check
def problem_json(ctx, response, case):
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip().lower()
    if content_type != "application/problem+json":
        raise AssertionError(f"{response.status_code} answered as {content_type or 'no content type'}, "
                             "not application/problem+json")
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"{response.status_code} problem body is not JSON") from None
    errors = sorted(_PROBLEM.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        raise AssertionError(f"{response.status_code} problem does not match the Problem schema: {errors[0].message}")
    if body.get("status") != response.status_code:
        raise AssertionError(f"problem status {body.get('status')} differs from the HTTP status {response.status_code}")
    return None


@schemathesis.serializer("text/csv")
def csv_body(ctx, value):
    if value is None:
        return None
    return value.encode("utf-8", "surrogatepass") if isinstance(value, str) else json.dumps(value).encode()
