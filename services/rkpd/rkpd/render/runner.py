"""render_in_subprocess: run the renderer as ``python -m rkpd.render`` in a child process.

Safe to call from the service's eventlet hub: the child does the CPU work, and the wait is a
poll with ``time.sleep`` (green when eventlet has patched it), never a blocking read or wait.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .core import canonical_json

_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder that holds rkpd/
_STDERR_TAIL = 4000


class RenderError(RuntimeError):
    """The renderer failed, timed out or answered something that is not its result."""

    def __init__(self, message: str, *, returncode: int | None = None, stderr: str = ""):
        self.returncode = returncode
        self.stderr = stderr
        if stderr:
            message = f"{message}\n--- renderer stderr (last {_STDERR_TAIL} chars) ---\n{stderr[-_STDERR_TAIL:]}"
        super().__init__(message)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the child leads its own session: only its processes
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def render_in_subprocess(document: dict, outdir: Path, timeout: float = 120) -> dict:
    """Render `document` into `outdir` in a child process; returns the CLI's
    ``{filename: {"sha256", "bytes"}}``. Raises RenderError (with the child's stderr)."""
    outdir = Path(outdir).resolve()
    with tempfile.TemporaryDirectory(prefix="rkpd-render-") as tmp:
        tmpdir = Path(tmp)
        source = tmpdir / "document.json"
        source.write_bytes(canonical_json(document))
        out_path, err_path = tmpdir / "stdout", tmpdir / "stderr"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
        env.setdefault("PYTHONIOENCODING", "utf-8")
        cmd = [sys.executable, "-m", "rkpd.render", str(source), str(outdir)]
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=env,
                cwd=tmp,
                close_fds=True,
                start_new_session=True,
            )
            deadline = time.monotonic() + timeout
            delay = 0.01
            try:
                while proc.poll() is None:
                    if time.monotonic() >= deadline:
                        _kill(proc)
                        raise RenderError(
                            f"rkpd renderer timed out after {timeout:g} s",
                            returncode=proc.returncode,
                            stderr=err_path.read_text("utf-8", "replace"),
                        )
                    time.sleep(delay)
                    delay = min(delay * 2, 0.25)
            except BaseException:
                if proc.poll() is None:
                    _kill(proc)
                raise
        stdout = out_path.read_text("utf-8", "replace")
        stderr = err_path.read_text("utf-8", "replace")
    if proc.returncode != 0:
        raise RenderError(
            f"rkpd renderer failed with exit code {proc.returncode}", returncode=proc.returncode, stderr=stderr
        )
    try:
        result = json.loads(stdout)
    except ValueError:
        raise RenderError(
            f"rkpd renderer printed no JSON result: {stdout[-500:]!r}", returncode=0, stderr=stderr
        ) from None
    if not isinstance(result, dict) or not all(
        isinstance(v, dict) and "sha256" in v and "bytes" in v for v in result.values()
    ):
        raise RenderError(f"rkpd renderer printed an unexpected result: {stdout[-500:]!r}", stderr=stderr)
    return result
