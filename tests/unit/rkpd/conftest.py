"""Make the rkpd package and this folder's helpers importable without installing."""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SERVICE = HERE.parents[2] / "services" / "rkpd"
for path in (str(SERVICE), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)
