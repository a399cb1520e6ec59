"""The Compose credentials file (eplanning-compose-env, `make compose-env`): every variable
docker-compose.yml needs, random, private, created once and never changed afterwards."""
import re
import stat

from eplanning_common.cli import compose_env


def values(path) -> dict:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))


def test_the_file_is_generated_private_with_random_uri_safe_values(tmp_path):
    one, two = tmp_path / "a.env", tmp_path / "b.env"
    assert compose_env.main(["--file", str(one)]) == 0
    compose_env.main(["--file", str(two)])
    first, second = values(one), values(two)
    assert set(first) == set(compose_env.GENERATED)
    assert stat.S_IMODE(one.stat().st_mode) == 0o600
    for name in ("RABBITMQ_PASSWORD", "POSTGRES_PASSWORD", "GATEWAY_JWT_SECRET"):
        assert first[name] != second[name], name  # random, not a default
        assert re.fullmatch(r"[A-Za-z0-9_-]{32,}", first[name]), name  # fits in a URI unescaped
    assert len(first["GATEWAY_JWT_SECRET"].encode()) >= 32  # the gateway's minimum (settings.MIN_JWT_SECRET_BYTES)


def test_an_existing_file_is_never_changed_only_completed(tmp_path):
    path = tmp_path / ".env"
    path.write_text("# mine\nexport POSTGRES_PASSWORD=kept-as-it-is\nRABBITMQ_USER=ops")  # no final newline
    assert compose_env.ensure(path) == ["RABBITMQ_PASSWORD", "GATEWAY_JWT_SECRET"]
    got = values(path)
    assert got["export POSTGRES_PASSWORD"] == "kept-as-it-is" and got["RABBITMQ_USER"] == "ops"
    assert path.read_text().startswith("# mine\nexport POSTGRES_PASSWORD=kept-as-it-is\nRABBITMQ_USER=ops\n")
    before = path.read_text()
    assert compose_env.ensure(path) == [] and path.read_text() == before
