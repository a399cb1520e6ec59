"""`make demo` creates its users in an order the gateway accepts (issue #14): a user whose OPD or
DPRD member is not yet in its register is refused, so the OPD and DPRD users come after the set-up
imported the registers; everyone else before it."""
from __future__ import annotations

import io
from types import SimpleNamespace

import pytest

from eplanning_demo.cycle import REGISTER_ROLES, Cycle
from eplanning_demo.plan import Territory, build_plan, load_reference

SMALL = Territory(kecamatan=("12.21.02", "12.21.07"), desa_per_kecamatan=2,
                  opd=("1.03.0.00.0.00.01.0000", "1.04.2.10.0.00.01.0000"), anggota=("A01", "A02"))


class GatewayRules:
    """Stands in for the gateway: records every call and refuses, as the real one does, a user
    whose OPD or DPRD member is not in a register imported before."""

    base_url = "http://gateway.test"

    def __init__(self):
        self.calls: list[tuple[str, str, str]] = []
        self.registers: set[str] = set()

    def register(self, *args, **kwargs):
        pass

    def call(self, user, method, path, payload=None, **kwargs):
        self.calls.append((user, method, path))
        if method == "PUT" and path == "/v1/pokir/register":
            self.registers.add("dprd")
        if method == "PUT" and path.startswith("/v1/renja/opd?"):
            self.registers.add("opd")
        if method == "POST" and path == "/v1/admin/users":
            needs = {"opd": "opd", "anggota_dprd": "dprd", "staf_ahli": "dprd"}.get(payload["role"])
            if needs is not None and needs not in self.registers:
                raise AssertionError(f"422: {payload['username']} created before the {needs} register")
            return SimpleNamespace(status=201, json=payload)
        if method == "GET" and (path.endswith("/schedule") or path.startswith("/v1/kalender/")):
            return SimpleNamespace(status=404, json={})  # no cycle of that year yet
        return SimpleNamespace(status=200, json={})

    def get(self, user, path, **kwargs):
        return {}


@pytest.fixture(scope="module")
def plan():
    return build_plan(load_reference(), seed=1, scale=0.05, territory=SMALL)


def test_the_opd_and_dprd_users_are_created_after_their_registers(plan):
    api = GatewayRules()
    cycle = Cycle(api, plan, admin_password="x" * 12, user_password="y" * 12, workers=2, out=io.StringIO())
    cycle.users()
    created = [p for _, m, p in api.calls if m == "POST"]
    assert created and not api.registers  # the first stage creates only users that need no register
    cycle.setup()
    usernames = [c for c in api.calls if c[1] == "POST" and c[2] == "/v1/admin/users"]
    assert len(usernames) == len(plan.users)
    assert {u.role for u in plan.users} & set(REGISTER_ROLES)
