"""What operators see of an usulan (the public sees only domain.public_view)."""
from .codec import usulan_to_dict
from .domain import Level, status_at


def usulan_view(u, version: int, lampiran: list | None = None) -> dict:
    view = usulan_to_dict(u)
    view["version"] = version
    view["lampiran"] = lampiran or []
    view["current_volume"] = str(u.current_volume)
    view["current_cost"] = str(u.current_cost)
    view["merged_into"] = u.merged_into
    view["status_per_level"] = {level.value: status_at(u, level) for level in Level}
    return view
