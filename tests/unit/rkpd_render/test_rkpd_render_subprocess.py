"""render_in_subprocess / the CLI: the same files and hashes as in-process, clear errors."""
import hashlib
import json

import pytest

from rkpd.render import FILES, RenderError, canonical_json, render_in_subprocess


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_subprocess_render_matches_in_process(rendered, document, tmp_path):
    _, in_process = rendered
    result = render_in_subprocess(document, tmp_path / "out")
    assert sorted(result) == sorted(FILES)
    for name, info in result.items():
        path = tmp_path / "out" / name
        assert info == {"sha256": _sha(path), "bytes": path.stat().st_size}
    # the same document gives the same bytes, in any process: json, xlsx, html and pdf alike
    assert result == in_process


def test_json_is_canonical(rendered, document):
    out, result = rendered
    data = (out / "rkpd.json").read_bytes()
    assert data == canonical_json(document)
    assert result["rkpd.json"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert json.loads(data) == document
    assert b", " not in data[:200] and b'{"bab":' == data[:7]
    reordered = dict(reversed(list(document.items())))
    assert canonical_json(reordered) == data


def test_failure_carries_stderr(document, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(RenderError) as err:
        render_in_subprocess(document, blocker / "out", timeout=60)
    assert err.value.returncode == 1
    assert "rendering failed" in str(err.value)
    assert "NotADirectoryError" in err.value.stderr or "FileExistsError" in err.value.stderr


def test_timeout(document, tmp_path):
    with pytest.raises(RenderError, match="timed out after 0.05 s"):
        render_in_subprocess(document, tmp_path / "out", timeout=0.05)
    assert not (tmp_path / "out" / "rkpd.pdf").exists()
