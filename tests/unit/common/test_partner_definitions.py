"""The partner account template (rabbitmq_definitions.partner_definitions, eplanning-topology
partner-definitions): pure checks of the generated rights; tests/integration/
test_rabbitmq_definitions.py proves them on a real broker."""
import json
import re

import pytest

from eplanning_common import rabbitmq_definitions as rd
from eplanning_common.cli import topology as cli


def matches(pattern: str, name: str) -> bool:
    return re.search(pattern, name) is not None


def test_a_partner_may_configure_write_and_read_only_its_own_queues_and_read_the_service_exchanges():
    perms = rd.partner_permissions("acme")
    for right in ("configure", "write", "read"):
        assert matches(perms[right], "partner.acme.usulan")
        for other in ("partner.acmex.q", "partner.acme", "partner.other.q", "q.pokir.musrenbang.usulan.submitted.v1",
                      "rpc-musrenbang", "nameko-rpc", "amq.default", "eplanning.dlx"):
            assert not matches(perms[right], other), (right, other)
    for exchange in ("musrenbang.events", "pokir.events", "renja.events", "rkpd.events"):
        assert matches(perms["read"], exchange) and not matches(perms["write"], exchange)
        assert not matches(perms["configure"], exchange)


def test_partner_names_are_checked():
    assert rd.partner_user("dinas-kominfo-2") == "partner.dinas-kominfo-2"
    for bad in ("", "Acme", "acme.eu", "acme*", "-acme", "a" * 41, None):
        with pytest.raises(ValueError, match="partner name"):
            rd.partner_user(bad)


def test_the_command_prints_importable_definitions_with_a_password_hash_from_the_environment(capsys, monkeypatch):
    monkeypatch.setenv("RABBITMQ_PASSWORD_PARTNER_ACME", "rahasia")
    with pytest.raises(SystemExit):  # the operator must state the pemdas' agreement on free text
        cli.main(["partner-definitions", "--name", "acme", "--passwords-from-env"])
    assert "--free-text-agreed" in capsys.readouterr().err
    assert cli.main(["partner-definitions", "--name", "acme", "--passwords-from-env", "--free-text-agreed"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"users", "permissions", "policies"}  # adds to a loaded vhost, changes nothing else
    [user] = doc["users"]
    assert user["name"] == "partner.acme" and user["password_hash"]
    assert doc["permissions"][0]["vhost"] == rd.VHOST
    assert doc["policies"][0]["pattern"] == r"^partner\.acme\."
    monkeypatch.delenv("RABBITMQ_PASSWORD_PARTNER_ACME")
    with pytest.raises(SystemExit, match="RABBITMQ_PASSWORD_PARTNER_ACME"):
        cli.main(["partner-definitions", "--name", "acme", "--passwords-from-env", "--free-text-agreed"])
    with pytest.raises(SystemExit):
        cli.main(["partner-definitions", "--name", "Acme", "--free-text-agreed"])
