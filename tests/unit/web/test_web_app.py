"""The web app (web/): its generated API types follow the gateway's OpenAPI document, and its own
unit tests (Vitest: the offline outbox, money/date formatting, the cost estimate) pass.

`make install` installs web/node_modules from the committed lockfile; without it (pytest run by
hand on a machine with no Node.js) the Vitest run is skipped, the document check still runs."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from gateway.api import catalog, openapi

WEB = Path(__file__).resolve().parents[3] / "web"


def test_committed_openapi_document_is_the_gateways():
    """web/openapi.json (what web/src/api/schema.d.ts is generated from) is exactly the document
    the gateway serves at /v1/openapi.json; else `make web-types` and commit."""
    committed = json.loads((WEB / "openapi.json").read_text(encoding="utf-8"))
    current = json.loads(json.dumps(openapi.build(catalog.DOCUMENTED)))
    assert committed == current, "web/openapi.json is stale: run `make web-types` and commit web/openapi.json " \
                                 "and web/src/api/schema.d.ts"


@pytest.mark.skipif(not (WEB / "node_modules" / ".bin" / "vitest").exists() or shutil.which("node") is None,
                    reason="web/node_modules not installed (make install)")
def test_vitest_suite_passes():
    """The Vitest suite, including the check that schema.d.ts is what openapi-typescript makes of
    openapi.json (tests/api-types.test.ts)."""
    env = {**os.environ, "CI": "true", "NO_COLOR": "1"}
    run = subprocess.run([str(WEB / "node_modules" / ".bin" / "vitest"), "run", "--reporter=dot"], cwd=WEB, env=env,
                         capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
