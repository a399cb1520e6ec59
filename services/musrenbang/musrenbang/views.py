"""What operators see of an usulan (the public sees only domain.public_view).

The proposer's personal data is cut to what the viewer's role may see (domain.privacy)."""
from .codec import usulan_to_dict
from .domain import Level, pengusul_for, status_at


def usulan_view(u, version: int, lampiran: list, viewer: str) -> dict:
    """The usulan at `version` as an operator of role `viewer` sees it."""
    view = usulan_to_dict(u)
    view["pengusul"] = pengusul_for(viewer, view["pengusul"])
    view["version"] = version
    view["lampiran"] = lampiran
    view["current_volume"] = str(u.current_volume)
    view["current_cost"] = str(u.current_cost)
    view["merged_into"] = u.merged_into
    view["status_per_level"] = {level.value: status_at(u, level) for level in Level}
    return view
