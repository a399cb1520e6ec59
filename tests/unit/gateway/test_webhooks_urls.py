"""The SSRF rules of partner webhooks (gateway.webhooks.urls, issue #18 finding 2): every address
of the deny list is refused at registration (an IP literal in the URL) AND at send time (a host
name whose resolver answers with it, before any connection is made); the subscriber-visible error
never names the address; webhook URLs are https only outside the local/test mode.

`ipaddress.is_global` of Python 3.11.7 calls NAT64, 6to4, IPv4-compatible, site-local and
192.0.0.0/24 addresses global (CVE-2024-4032): those rows are the ones the old rule let through."""
from __future__ import annotations

import logging
import socket

import pytest

from gateway.webhooks import sender as sender_module
from gateway.webhooks.sender import Sender
from gateway.webhooks.urls import address_allowed, check_url

# (address, what it is): each must be refused
DENIED = [
    # IPv4
    ("0.0.0.0", "this network"),
    ("10.1.2.3", "RFC 1918"),
    ("172.16.0.1", "RFC 1918"),
    ("172.31.255.254", "RFC 1918"),
    ("192.168.1.1", "RFC 1918"),
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback"),
    ("169.254.169.254", "link-local: cloud metadata"),
    ("100.64.0.1", "CGNAT"),
    ("100.127.255.254", "CGNAT"),
    ("192.0.0.192", "IETF protocol assignments 192.0.0.0/24"),
    ("192.0.0.8", "IETF protocol assignments 192.0.0.0/24"),
    ("192.0.2.10", "documentation TEST-NET-1"),
    ("198.51.100.7", "documentation TEST-NET-2"),
    ("203.0.113.5", "documentation TEST-NET-3"),
    ("198.18.0.1", "benchmarking 198.18/15"),
    ("198.19.255.254", "benchmarking 198.18/15"),
    ("192.88.99.1", "6to4 relay anycast"),
    ("224.0.0.251", "multicast"),
    ("239.255.255.250", "multicast"),
    ("240.0.0.1", "reserved 240/4"),
    ("255.255.255.255", "broadcast"),
    # IPv6 of its own
    ("::", "unspecified"),
    ("::1", "loopback"),
    ("fe80::1", "link-local"),
    ("fec0::1", "site-local fec0::/10"),
    ("fc00::1", "unique-local"),
    ("fd12:3456::1", "unique-local"),
    ("ff02::1", "multicast"),
    ("2001:db8::1", "documentation"),
    ("3fff::1", "documentation (RFC 9637)"),
    ("2001:2::1", "benchmarking"),
    ("100::1", "discard-only"),
    ("5f00::1", "SRv6"),
    ("400::1", "unallocated (outside 2000::/3)"),
    # IPv6 embedding a private IPv4
    ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
    ("::ffff:a9fe:a9fe", "IPv4-mapped metadata"),
    ("::a9fe:a9fe", "IPv4-compatible ::/96 metadata"),
    ("::10.0.0.1", "IPv4-compatible ::/96 RFC 1918"),
    ("::127.0.0.1", "IPv4-compatible ::/96 loopback"),
    ("64:ff9b::a00:1", "NAT64 64:ff9b::/96 of 10.0.0.1"),
    ("64:ff9b::a9fe:a9fe", "NAT64 64:ff9b::/96 of 169.254.169.254"),
    ("64:ff9b::7f00:1", "NAT64 64:ff9b::/96 of 127.0.0.1"),
    ("64:ff9b:1::a00:1", "local-use NAT64 64:ff9b:1::/48"),
    ("64:ff9b:1:ffff::808:808", "local-use NAT64 64:ff9b:1::/48 (even of a public IPv4)"),
    ("2002:a00:1::1", "6to4 2002::/16 of 10.0.0.1"),
    ("2002:a9fe:a9fe::", "6to4 2002::/16 of 169.254.169.254"),
    ("2002:7f00:1::", "6to4 2002::/16 of 127.0.0.1"),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo 2001::/32"),
    ("2001::a9fe:a9fe", "Teredo 2001::/32"),
    ("fe80::1%eth0", "link-local with a zone id"),
]
ALLOWED = ["93.184.216.34", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e",
           "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]


def ids(rows):
    return [f"{address} ({what})" for address, what in rows]


def url_of(address: str) -> str:
    return f"https://[{address}]/hook" if ":" in address else f"https://{address}/hook"


@pytest.mark.parametrize("address, what", DENIED, ids=ids(DENIED))
def test_a_denied_address_is_refused_at_registration(address, what):
    assert not address_allowed(address, allow_private=False)
    if "%" not in address:  # a zone id is no part of a URL
        assert check_url(url_of(address), allow_private=False) == "url_private"


@pytest.mark.parametrize("address, what", DENIED, ids=ids(DENIED))
def test_a_denied_address_is_refused_at_send_without_connecting_or_naming_it(address, what, monkeypatch, caplog):
    connected = []
    monkeypatch.setattr(sender_module.socket, "create_connection", lambda *a, **k: connected.append(a) or 1 / 0)
    resolved = []

    def resolve(host, port):
        resolved.append(host)
        return ["93.184.216.34", address]  # one bad answer among good ones is enough

    caplog.set_level(logging.WARNING, logger="gateway.webhooks.sender")
    outcome = Sender(1, 2, allow_private=False, resolve=resolve).send(
        url="https://partner.example.org/hook", secret="whsec_unit", body=b"{}", event_id="ev-1",
        delivery_id="dl-1", attempt_no=1)

    assert resolved == ["partner.example.org"] and connected == []
    assert not outcome.ok and outcome.http_status is None
    assert outcome.error.endswith("address not allowed")
    # what the subscriber's admins see names neither the address nor the host's resolution
    assert address.split("%")[0] not in outcome.error and "resolves" not in outcome.error
    (record,) = [r for r in caplog.records if r.getMessage() == "webhook address refused"]
    assert record.host == "partner.example.org" and address in record.addresses  # the operator's log has it


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address):
    assert address_allowed(address, allow_private=False)
    assert check_url(url_of(address), allow_private=False) is None


def test_a_name_that_does_not_resolve_gets_the_same_answer_as_a_refused_one(monkeypatch):
    def resolve(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    outcome = Sender(1, 2, allow_private=False, resolve=resolve).send(
        url="https://db.internal-zone.example.org/hook", secret="whsec_unit", body=b"{}", event_id="ev-1",
        delivery_id="dl-1", attempt_no=1)
    assert outcome.error.endswith("address not allowed")  # no oracle for which internal names exist


@pytest.mark.parametrize("url", ["https://127.1/hook", "https://0x7f.0.0.1/hook", "https://0177.0.0.1/hook",
                                 "https://10.1/hook", "https://db.cluster.local/hook", "https://api.internal/hook",
                                 "https://nas.home.arpa/hook", "https://printer.localdomain/hook"])
def test_legacy_ipv4_forms_and_local_names_are_refused_at_registration(url):
    assert check_url(url, allow_private=False) == "url_private"


def test_webhook_urls_are_https_only_outside_the_local_mode():
    assert check_url("http://partner.example.org/hook", allow_private=False) == "url_scheme"
    assert check_url("HTTP://partner.example.org/hook", allow_private=False) == "url_scheme"
    assert check_url("https://partner.example.org/hook", allow_private=False) is None
    assert check_url("http://127.0.0.1:8080/hook", allow_private=True) is None  # tests, make up


def test_a_stored_http_url_is_not_sent_outside_the_local_mode(monkeypatch):
    """A subscription registered with http:// before https was required fails with a clear error."""
    resolved = []
    outcome = Sender(1, 2, allow_private=False, resolve=lambda h, p: resolved.append(h) or ["93.184.216.34"]).send(
        url="http://partner.example.org/hook", secret="whsec_unit", body=b"{}", event_id="ev-1",
        delivery_id="dl-1", attempt_no=1)
    assert not outcome.ok and outcome.error.startswith("https required") and resolved == []
