"""The settings tables of deploy/README.md ("Configuration") cannot drift from the code.

Every environment variable the code reads is found by reading the code (Python's syntax tree:
`os.environ.get/[]`, `os.getenv`, and the module's own helpers that take the variable's name, such
as `_int("OUTBOX_BATCH_SIZE", 200)`; names built at run time become patterns, `<SERVICE>_DATABASE_URL`)
and deploy/nameko.yaml's `${NAME:default}`. Each must have a row in the table, each row must name a
variable that is still read, and its "Read by" must name the components whose code reads it. The
Compose table lists exactly the `${NAME}` docker-compose.yml interpolates.
"""
from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "deploy" / "README.md"
BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"
COMPOSE_BEGIN, COMPOSE_END = "<!-- compose-settings:begin -->", "<!-- compose-settings:end -->"


# -- what the code reads ---------------------------------------------------------------------------

def _is_environ(node) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (isinstance(node, ast.Name) and node.id == "environ")


def _env_key(node):
    """The key expression of an environment read, or None."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
        if node.func.attr in ("get", "pop", "setdefault") and _is_environ(node.func.value):
            return node.args[0]
        if node.func.attr == "getenv":
            return node.args[0]
    if isinstance(node, ast.Subscript) and _is_environ(node.value):
        return node.slice
    return None


def _pattern(expr, builders: dict[str, str]) -> str | None:
    """A variable name, `*` standing for the parts computed at run time; None if not a name."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "*" for v in expr.values)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        left, right = _pattern(expr.left, builders), _pattern(expr.right, builders)
        return (left or "*") + (right or "*") if (left or right) else None
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in builders:
        return builders[expr.func.id]
    return None


def python_reads(source: str) -> set[str]:
    tree = ast.parse(source)
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    builders = {}  # functions that only build a variable name: def password_env(user): return "X_" + ...
    for f in functions:
        body = [s for s in f.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
            built = _pattern(body[0].value, {})
            if built and "*" in built:
                builders[f.name] = built
    helpers = {}  # functions reading the variable named by one of their parameters: def _int(name, default)
    for f in functions:
        params = [a.arg for a in f.args.args]
        for node in ast.walk(f):
            key = _env_key(node)
            if isinstance(key, ast.Name) and key.id in params:
                helpers[f.name] = params.index(key.id)
    found = set()
    for node in ast.walk(tree):
        key = _env_key(node)
        if key is not None and (name := _pattern(key, builders)):
            found.add(name)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in helpers:
            index = helpers[node.func.id]
            if len(node.args) > index and (name := _pattern(node.args[index], builders)):
                found.add(name)
    return {n for n in found if re.fullmatch(r"[A-Z*][A-Z0-9_*]*", n)}


def component_of(path: Path) -> str | None:
    """Who runs the code in `path`, as the table's "Read by" must name it (None: shared plumbing)."""
    rel = path.relative_to(ROOT).as_posix()
    if rel.startswith("services/gateway/gateway/webhooks/"):
        return "webhooks"
    if rel.startswith("services/"):
        return rel.split("/")[1]
    if rel == "deploy/gateway/gunicorn.conf.py":
        return "gateway"
    if match := re.fullmatch(r"common/eplanning_common/cli/(\w+)\.py", rel):
        return "eplanning-" + match.group(1).replace("_", "-")
    return None


@functools.lru_cache(maxsize=1)
def code_settings() -> dict[str, set[str]]:
    """variable (pattern) -> the components whose code reads it."""
    files = [*ROOT.glob("common/eplanning_common/**/*.py"), *ROOT.glob("services/*/*/**/*.py"),
             ROOT / "deploy" / "gateway" / "gunicorn.conf.py"]
    out: dict[str, set[str]] = {}
    for path in files:
        if "migrations" in path.parts:
            continue
        for name in python_reads(path.read_text(encoding="utf-8")):
            out.setdefault(name, set()).update({component_of(path)} - {None})
    for name in re.findall(r"\$\{([A-Z_][A-Z0-9_]*):", (ROOT / "deploy" / "nameko.yaml").read_text(encoding="utf-8")):
        out.setdefault(name, set())  # every nameko process: musrenbang, pokir, renja, rkpd, webhooks
    return out


# -- what the tables say ---------------------------------------------------------------------------

def table_rows(begin: str, end: str) -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    assert begin in text and end in text, f"deploy/README.md lacks the markers {begin} ... {end}"
    block = text.split(begin, 1)[1].split(end, 1)[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in block.splitlines()
            if line.startswith("|")]
    return [r for r in rows[2:]]  # past the header and its --- line


def names_in(cell: str) -> list[str]:
    """`A`, `B_<SERVICE>` -> ["A", "B_*"]"""
    return [re.sub(r"<[A-Z_]+>", "*", n) for n in re.findall(r"`([^`]+)`", cell)]


@pytest.fixture(scope="module")
def table() -> dict[str, list[str]]:
    out = {}
    for row in table_rows(BEGIN, END):
        assert len(row) == 4 and all(row), f"a row needs variable, default, what it does, read by: {row}"
        for name in names_in(row[0]):
            assert name not in out, f"{name} has two rows"
            out[name] = row
    return out


def test_the_scanner_finds_what_it_must():
    """The scanner itself: direct reads, helpers taking the name, names built at run time."""
    source = '''
import os
from os import environ
def _int(name, default):
    raw = os.environ.get(name)
    return default if raw is None else int(raw)
def password_env(user):
    return "RABBITMQ_PASSWORD_" + user.upper()
A = os.environ.get("PLAIN")
B = environ["SUBSCRIPT"]
C = os.getenv("GETENV", "x")
D = _int("THROUGH_HELPER", 3)
E = os.environ.get(f"{service.upper()}_DATABASE_URL")
F = [os.environ[password_env(u)] for u in users]
G = os.environ.get(variable)   # not a name: ignored
'''
    assert python_reads(source) == {"PLAIN", "SUBSCRIPT", "GETENV", "THROUGH_HELPER", "*_DATABASE_URL",
                                    "RABBITMQ_PASSWORD_*"}


def test_every_setting_the_code_reads_has_a_row_and_every_row_is_still_read(table):
    code = code_settings()
    assert {"AMQP_URI", "GATEWAY_JWT_SECRET", "GATEWAY_WEBHOOKS_MAX_ATTEMPTS", "*_DATABASE_URL"} <= code.keys()
    missing = sorted(code.keys() - table.keys())
    assert not missing, f"read by the code, not in deploy/README.md's settings table: {missing}"
    stale = sorted(table.keys() - code.keys())
    assert not stale, f"in deploy/README.md's settings table, read by no code any more: {stale}"


def test_read_by_names_the_components_that_read_it(table):
    for name, components in code_settings().items():
        read_by = table[name][3]
        for component in components:
            assert component in read_by, f"{name}: read by {component}, whose name is not in the row's 'Read by'"


def test_the_compose_table_lists_exactly_what_docker_compose_interpolates():
    rows = table_rows(COMPOSE_BEGIN, COMPOSE_END)
    listed = {n for row in rows for n in names_in(row[0])}
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    used = set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", text))
    assert listed == used, f"docker-compose.yml variables {sorted(used)}, the table lists {sorted(listed)}"


@pytest.mark.parametrize("readme", ["README.md", "services/gateway/README.md", "deploy/k8s/README.md"])
def test_the_other_readmes_link_to_the_table_instead_of_repeating_it(readme):
    text = (ROOT / readme).read_text(encoding="utf-8")
    assert re.search(r"(deploy/|\.\./)README\.md#configuration", text), f"{readme}: no link to the settings table"
    repeated = [n for n in ("OUTBOX_BATCH_SIZE", "GATEWAY_LOGIN_MAX_FAILURES_CLIENT", "GATEWAY_WEBHOOKS_RETRY_MAX_MS")
                if f"`{n}` (" in text or f"| `{n}`" in text]
    assert not repeated, f"{readme} repeats settings with their defaults: {repeated}"
