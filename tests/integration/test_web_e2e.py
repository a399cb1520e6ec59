"""The short version of the web app's end-to-end journeys (web/e2e; `make e2e` runs them all):
Playwright driving Debian's Chromium against a stack of its own started the way `make up` starts
it and seeded through the API (web/e2e/harness/e2e_stack.py), the journeys tagged @short: a desa
operator creates an usulan with a photo and the citizen page finds it by its tracking code
(journey 1, also by keyboard only), and the citizen pages after a small cycle (journey 4). Axe on
every screen, screenshots in web/e2e/artifacts/screens.

`make test` installs what this needs first (`make e2e-deps`: chromium with apt, `npm ci`).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
E2E = ROOT / "web" / "e2e"

pytestmark = pytest.mark.timeout(2400)


def test_short_web_journeys_pass_in_chromium():
    assert (E2E / "node_modules" / "@playwright" / "test").is_dir(), "run `make e2e-deps` (npm ci in web/e2e)"
    chromium = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
    assert shutil.which(chromium), f"{chromium} is missing: `make e2e-deps` installs Debian's chromium"
    run = subprocess.run(["npx", "playwright", "test", "--grep", "@short", "--reporter", "line"], cwd=E2E,
                         capture_output=True, text=True, timeout=2300, check=False)
    assert run.returncode == 0, f"playwright exited {run.returncode}\n{run.stdout[-8000:]}\n{run.stderr[-4000:]}"
    assert " passed" in run.stdout, run.stdout[-4000:]
