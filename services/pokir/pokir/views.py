"""What members, Setwan and Bappeda see of a pokir (the public sees domain.public_view)."""
from eplanning_common.jsoncodec import to_json


def pokir_view(p, version: int, overlaps: list | None = None) -> dict:
    view = to_json(p)
    view["version"] = version
    if overlaps is not None:
        view["overlaps"] = overlaps
    return view
