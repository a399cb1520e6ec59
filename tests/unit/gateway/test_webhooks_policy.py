"""The pure rules of the webhooks: the retry schedule, what an attempt's outcome does to a
delivery and its subscription, event-type patterns, and which URLs and addresses are allowed."""
from __future__ import annotations

import pytest

from gateway.webhooks import backoff, matching, policy, urls
from gateway.webhooks.settings import WebhookSettings

HOUR_MS = 3600 * 1000


# -- backoff -------------------------------------------------------------------------------------

def test_the_default_schedule_is_the_documented_one():
    s = WebhookSettings()
    waits = backoff.schedule_ms(s.max_attempts, s.retry_base_ms, s.retry_max_ms)
    assert waits == [10_000, 40_000, 160_000, 640_000, 2_560_000, 10_240_000, 6 * HOUR_MS, 6 * HOUR_MS, 6 * HOUR_MS]
    assert 21 * HOUR_MS < sum(waits) < 22 * HOUR_MS  # "about 22 hours" (README)


def test_jitter_only_shortens_and_by_at_most_its_fraction():
    assert backoff.delay_ms(3, 100, 10**9, rand=lambda: 0.0) == 1600
    assert backoff.delay_ms(3, 100, 10**9, rand=lambda: 0.999999) == 1440
    assert backoff.delay_ms(3, 100, 10**9, jitter=0.5, rand=lambda: 1.0) == 800
    assert backoff.delay_ms(1, 1, 10, rand=lambda: 0.99) == 1  # never zero


def test_the_cap_holds_for_huge_attempt_numbers():
    assert backoff.delay_ms(10_000, 1000, 5000, jitter=0) == 5000


@pytest.mark.parametrize("attempts, jitter", [(0, 0.1), (1, 1.0), (1, -0.1)])
def test_nonsense_is_refused(attempts, jitter):
    with pytest.raises(ValueError):
        backoff.delay_ms(attempts, 100, 1000, jitter=jitter)


# -- an attempt's outcome ------------------------------------------------------------------------

def test_a_success_delivers_whatever_the_attempt_number():
    assert policy.after_attempt(True, 1, 3, 100, 1000) == policy.Next("delivered", None)
    assert policy.after_attempt(True, 3, 3, 100, 1000) == policy.Next("delivered", None)


def test_a_failure_schedules_the_next_attempt_by_the_backoff():
    assert policy.after_attempt(False, 1, 3, 100, 1000, rand=lambda: 0) == policy.Next("failed", 100)
    assert policy.after_attempt(False, 2, 3, 100, 1000, rand=lambda: 0) == policy.Next("failed", 400)


def test_the_last_failure_of_a_round_is_dead():
    assert policy.after_attempt(False, 3, 3, 100, 1000) == policy.Next("dead", None)
    assert policy.after_attempt(False, 4, 3, 100, 1000) == policy.Next("dead", None)  # after a crash overran


def test_the_subscription_pauses_at_the_threshold():
    assert [policy.should_pause(n, 3) for n in (1, 2, 3, 4)] == [False, False, True, True]


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("GATEWAY_WEBHOOKS_MAX_ATTEMPTS", "4")
    monkeypatch.setenv("GATEWAY_WEBHOOKS_RETRY_BASE_MS", "50")
    monkeypatch.setenv("GATEWAY_WEBHOOKS_TIMEOUT_SECONDS", "2.5")
    monkeypatch.setenv("GATEWAY_WEBHOOKS_ALLOW_PRIVATE", "1")
    s = WebhookSettings.from_env()
    assert (s.max_attempts, s.retry_base_ms, s.timeout, s.allow_private) == (4, 50, 2.5, True)
    assert s.lease_seconds > s.timeout  # a lease outlives any attempt
    monkeypatch.setenv("GATEWAY_WEBHOOKS_PAUSE_AFTER", "0")
    with pytest.raises(ValueError, match="PAUSE_AFTER"):
        WebhookSettings.from_env()
    monkeypatch.setenv("GATEWAY_WEBHOOKS_PAUSE_AFTER", "many")
    with pytest.raises(ValueError, match="PAUSE_AFTER"):
        WebhookSettings.from_env()


# -- event-type patterns -------------------------------------------------------------------------

SUBMITTED = "id.eplanning.musrenbang.usulan.submitted.v1"


@pytest.mark.parametrize("pattern, matched", [
    ("musrenbang.usulan.submitted.v1", True),
    ("musrenbang.usulan.submitted.v2", False),
    ("musrenbang.usulan.submitted", False),  # no trailing * : every segment must match
    ("musrenbang.usulan.*", True),
    ("musrenbang.*", True),
    ("*", True),
    ("*.usulan.submitted.v1", True),
    ("musrenbang.*.submitted.v1", True),
    ("musrenbang.*.withdrawn.v1", False),
    ("pokir.*", False),
    ("musrenbang.usulan.submitted.v1.*", False),  # a trailing * needs at least one more segment
])
def test_patterns(pattern, matched):
    assert matching.matches(matching.normalize(pattern), SUBMITTED) is matched


def test_the_full_type_is_accepted_as_a_pattern_and_foreign_types_never_match():
    assert matching.normalize(SUBMITTED) == "musrenbang.usulan.submitted.v1"
    assert not matching.matches("*", "com.example.other.v1")


@pytest.mark.parametrize("bad", ["", "Musrenbang.*", "musrenbang..x", "musrenbang.*x", ".x", "x.", "#", "a b",
                                 "x" * 201, None, 5])
def test_what_is_not_a_pattern(bad):
    with pytest.raises(ValueError):
        matching.normalize(bad)


def test_unmatched_names_the_typos():
    known = [SUBMITTED, "id.eplanning.renja.stage.closed.v1"]
    assert matching.unmatched(["musrenbang.usulan.submited.v1", "*.stage.closed.v1", "*"], known) == \
        ["musrenbang.usulan.submited.v1"]


# -- URLs and addresses --------------------------------------------------------------------------

@pytest.mark.parametrize("address, allowed", [
    ("93.184.216.34", True), ("2606:2800:220:1:248:1893:25c8:1946", True),
    ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("224.0.0.1", False),
    ("::1", False), ("fe80::1%eth0", False), ("fd00::1", False), ("::ffff:127.0.0.1", False),
    ("::ffff:10.0.0.1", False), ("192.0.2.1", False), ("not-an-ip", False),
])
def test_only_public_addresses_are_allowed(address, allowed):
    assert urls.address_allowed(address, allow_private=False) is allowed
    assert urls.address_allowed(address, allow_private=True) is True


@pytest.mark.parametrize("url, reason", [
    ("https://partner.example.org/hook?x=1", None),
    ("https://partner.example.org:8443/hook", None),
    ("http://partner.example.org:8443/hook", "url_scheme"),  # https only (http with ALLOW_PRIVATE=1)
    ("https://93.184.216.34/hook", None),
    ("HTTPS://partner.example.org/", None),  # schemes are case-insensitive (RFC 3986 3.1)
    ("javascript:alert(1)", "url_scheme"),
    ("file:///etc/passwd", "url_scheme"),
    ("https://user@partner.example.org/", "url_credentials"),
    ("https:///nohost", "url_host"),
    ("https://partner.example.org/a b", "url_host"),
    ("https://partner.example.org:0/", "url_port"),
    ("https://partner.example.org:x/", "url_port"),
    ("https://partner.example.org/#top", "url_fragment"),
    ("https://10.0.0.1/", "url_private"),
    ("https://[fd00::1]/", "url_private"),
    ("https://intranet/", "url_private"),
    ("https://api.localhost/", "url_private"),
    ("https://partner.example.org/" + "x" * 2100, "url_length"),
])
def test_registration_url_rules(url, reason):
    assert urls.check_url(url, allow_private=False) == reason


def test_allow_private_relaxes_only_the_address_rule():
    assert urls.check_url("http://127.0.0.1:9000/hook", allow_private=True) is None
    assert urls.check_url("http://intranet/", allow_private=True) is None
    assert urls.check_url("http://u:p@127.0.0.1/", allow_private=True) == "url_credentials"
    assert urls.check_url("gopher://127.0.0.1/", allow_private=True) == "url_scheme"
