"""contracts/asyncapi.yaml as the AsyncAPI tools read it, offline, with the versions pinned in
contracts/tools/package-lock.json (installed by `make install`):

* the official JavaScript parser (@asyncapi/parser, what the generator and Studio load documents
  with) gives a document and no error diagnostic — `asyncapi validate` alone is not enough: CLI 4
  passed a document the parser refused with 114 errors;
* the CLI (`asyncapi validate`, @asyncapi/cli) passes it, failing on warnings too.

About 4 s for the parser and 8 s for the CLI (both start Node)."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from eplanning_common import contracts

ROOT = Path(__file__).resolve().parents[3]
TOOLS = ROOT / "contracts" / "tools"


def node_tool(*args, tmp_path: Path) -> subprocess.CompletedProcess:
    if shutil.which("node") is None or not (TOOLS / "node_modules" / "@asyncapi" / "parser").is_dir():
        pytest.fail("the AsyncAPI tools are not installed: run `make install` (npm ci in contracts/tools)")
    # no network at test time: the CLI's anonymous usage metrics are switched off through its config file
    metrics = tmp_path / "asyncapi-analytics.json"
    metrics.write_text(json.dumps({"analyticsEnabled": "false", "infoMessageShown": "true", "userID": "test"}))
    env = {**os.environ, "ASYNCAPI_METRICS_CONFIG_PATH": str(metrics), "HOME": str(tmp_path), "CI": "true"}
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def parse(path: Path, tmp_path: Path) -> dict:
    run = node_tool("node", str(TOOLS / "parse.mjs"), str(path), tmp_path=tmp_path)
    return {**json.loads(run.stdout), "returncode": run.returncode}


def test_the_official_parser_gives_a_document_without_error_diagnostics(tmp_path):
    report = parse(contracts.contract_path(), tmp_path)
    errors = [d for d in report["diagnostics"] if d["severity"] == 0]
    warnings = [d for d in report["diagnostics"] if d["severity"] == 1]
    assert (report["document"], errors, warnings, report["returncode"]) == (True, [], [], 0)


def test_the_parser_check_fails_on_what_the_issue_found(tmp_path):
    """The control: a routing key in a message's AMQP binding (where 0.3.0 allows only
    contentEncoding/messageType) is an error and no document."""
    doc = contracts.load()
    broken = {**doc, "components": {**doc["components"], "messages": {
        **doc["components"]["messages"],
        "UsulanSubmitted": {**doc["components"]["messages"]["UsulanSubmitted"],
                            "bindings": {"amqp": {"routingKey": "usulan.submitted.v1", "bindingVersion": "0.3.0"}}}}}}
    path = tmp_path / "asyncapi.yaml"
    path.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
    report = parse(path, tmp_path)
    assert report["document"] is False and report["returncode"] == 1
    assert any(d["severity"] == 0 and d["path"].startswith("components/messages/UsulanSubmitted/bindings/amqp")
               for d in report["diagnostics"])


def test_asyncapi_validate_of_the_cli_passes(tmp_path):
    run = node_tool(str(TOOLS / "node_modules" / ".bin" / "asyncapi"), "validate", str(contracts.contract_path()),
                    "--fail-severity=warn", tmp_path=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "is valid" in run.stdout + run.stderr
