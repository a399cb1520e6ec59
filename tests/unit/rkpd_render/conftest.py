"""Make the rkpd package and this folder's helpers importable without installing."""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SERVICE = HERE.parents[2] / "services" / "rkpd"
for path in (str(SERVICE), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def document():
    from rkpd_render_fixtures import make_document

    return make_document()


@pytest.fixture(scope="session")
def rendered(document, tmp_path_factory):
    """The small document rendered once in this process: (outdir, result)."""
    from rkpd.render import render_all

    out = tmp_path_factory.mktemp("rkpd-render")
    return out, render_all(document, out)
