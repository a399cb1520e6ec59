"""Which URLs a partner may register, and which addresses the worker may connect to (SSRF).

A webhook makes the platform send HTTP requests to an address somebody typed in. Without limits
that is a server-side request forgery tool: `http://169.254.169.254/` (cloud metadata, with
credentials), `http://127.0.0.1:15672/` (the RabbitMQ management API), `http://postgres:5432/`,
the Kubernetes API, anything on the internal network. So, unless GATEWAY_WEBHOOKS_ALLOW_PRIVATE=1
(tests and local development only):

* at registration (`check_url`), the URL must be absolute `https`, carry no user:password (it would
  be stored and logged), no fragment, and if its host is an IP literal (in any form the C library
  accepts: `127.1`, `0x7f.0.0.1`) or a local name (`localhost`, a single label, `.local`,
  `.internal`, `.home.arpa`) it is refused unless it is an allowed address;
* at every attempt (`gateway.webhooks.sender`), the host name is resolved by the worker, EVERY
  resolved address must be allowed (`address_allowed`), and the connection is made to one of
  exactly those addresses (pinned: a DNS answer that changes between the check and the connect —
  DNS rebinding — cannot slip in a private address). Redirects are never followed (a public
  endpoint answering 307 to an internal one would bypass all this) and no proxy from the
  environment is used.

Allowed means: not in the explicit deny list below. It does not rely on `ipaddress.is_global`,
which (Python 3.11.7 as used here; CVE-2024-4032, fixed in later releases) calls NAT64, 6to4, IPv4-compatible,
site-local and 192.0.0.0/24 addresses global. IPv6 must moreover lie in 2000::/3 (the only
globally allocated unicast space) unless it is one of the forms that embed an IPv4 address —
IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`, 6to4
`2002:aabb:ccdd::` — which are judged by the IPv4 address they carry. Teredo (2001::/32) lies in
2001::/23, which is refused whatever it embeds.

What a subscriber sees of a refusal is only "address not allowed"; the host and the addresses it
resolved to go to the operator's log (an attempt's error is shown to the subscriber's admins, and
naming the address would let them map the internal DNS).
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
LOCAL_SUFFIXES = (".localhost", ".local", ".localdomain", ".internal", ".home.arpa", ".intranet", ".lan")
NOT_ALLOWED = "address not allowed"  # all the subscriber is told

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# (network, why): every range a webhook may never reach (IANA special-purpose registries, RFC 6890)
DENIED_IPV4: tuple[tuple[ipaddress.IPv4Network, str], ...] = tuple((_V4(net), why) for net, why in (
    ("0.0.0.0/8", "this network"),
    ("10.0.0.0/8", "private (RFC 1918)"),
    ("100.64.0.0/10", "carrier-grade NAT (RFC 6598)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local (cloud metadata)"),
    ("172.16.0.0/12", "private (RFC 1918)"),
    ("192.0.0.0/24", "IETF protocol assignments"),
    ("192.0.2.0/24", "documentation (TEST-NET-1)"),
    ("192.31.196.0/24", "AS112"),
    ("192.52.193.0/24", "AMT"),
    ("192.88.99.0/24", "6to4 relay anycast (deprecated)"),
    ("192.168.0.0/16", "private (RFC 1918)"),
    ("192.175.48.0/24", "AS112 direct delegation"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation (TEST-NET-2)"),
    ("203.0.113.0/24", "documentation (TEST-NET-3)"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved (and broadcast)"),
))
DENIED_IPV6: tuple[tuple[ipaddress.IPv6Network, str], ...] = tuple((_V6(net), why) for net, why in (
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("64:ff9b:1::/48", "local-use NAT64 (RFC 8215)"),
    ("100::/64", "discard-only"),
    ("2001::/23", "IETF protocol assignments (Teredo, benchmarking 2001:2::/48, ORCHID)"),
    ("2001:db8::/32", "documentation"),
    ("3fff::/20", "documentation (RFC 9637)"),
    ("5f00::/16", "SRv6 SIDs"),
    ("fc00::/7", "unique-local"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local (deprecated)"),
    ("ff00::/8", "multicast"),
))
GLOBAL_UNICAST_V6 = _V6("2000::/3")
IPV4_COMPATIBLE = _V6("::/96")
NAT64_WELL_KNOWN = _V6("64:ff9b::/96")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped, IPv4-compatible, NAT64 (64:ff9b::/96) or 6to4 address
    carries; None for any other IPv6 address."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in IPV4_COMPATIBLE or ip in NAT64_WELL_KNOWN:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def denial(address: str) -> str | None:
    """None if the worker may connect to this IP address, else why not (for the operator's log)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        for network, why in DENIED_IPV6:
            if ip in network:
                return why
        inner = embedded_ipv4(ip)
        if inner is not None:
            why = denial(str(inner))
            return f"embeds {inner}: {why}" if why else None
        if ip not in GLOBAL_UNICAST_V6:
            return "not global unicast (outside 2000::/3)"
        return None
    for network, why in DENIED_IPV4:
        if ip in network:
            return why
    return None


def address_allowed(address: str, allow_private: bool) -> bool:
    """May the worker connect to this IP address?"""
    return allow_private or denial(address) is None


def _ip_literal(host: str):
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    try:  # the forms inet_aton also takes, which getaddrinfo resolves: 127.1, 0x7f.1, 017700000001
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def allowed_schemes(allow_private: bool) -> tuple[str, ...]:
    """https only; plain http as well in the local/test mode (GATEWAY_WEBHOOKS_ALLOW_PRIVATE=1)."""
    return ("http", "https") if allow_private else ("https",)


def normalize_url(url: str) -> str:
    """The URL as stored: scheme and host in lower case (both are case-insensitive)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.hostname:
        netloc = netloc.replace(netloc.rsplit("@", 1)[-1], netloc.rsplit("@", 1)[-1].lower())
    return parts._replace(scheme=parts.scheme.lower(), netloc=netloc).geturl()


def check_url(url: str, allow_private: bool) -> str | None:
    """None if the URL may be registered, else a reason code: url_scheme (not https; http too
    with allow_private), url_credentials, url_host, url_fragment, url_port, url_private, url_length."""
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
        return "url_length"
    if any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        return "url_host"
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError when not a number or out of range
    except ValueError:
        return "url_port"
    if parts.scheme not in allowed_schemes(allow_private):
        return "url_scheme"
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        return "url_credentials"
    if parts.fragment:
        return "url_fragment"
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        return "url_host"
    if port == 0:
        return "url_port"
    if allow_private:
        return None
    literal = _ip_literal(host)
    if literal is not None:
        return None if address_allowed(str(literal), allow_private=False) else "url_private"
    if host in LOCAL_NAMES or host.endswith(LOCAL_SUFFIXES) or "." not in host:
        # a single-label name only resolves inside a private network (search domains, /etc/hosts)
        return "url_private"
    return None
