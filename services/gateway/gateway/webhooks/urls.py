"""Which URLs a partner may register, and which addresses the worker may connect to (SSRF).

A webhook makes the platform send HTTP requests to an address somebody typed in. Without limits
that is a server-side request forgery tool: `http://169.254.169.254/` (cloud metadata, with
credentials), `http://127.0.0.1:15672/` (the RabbitMQ management API), `http://postgres:5432/`,
the Kubernetes API, anything on the internal network. So, unless GATEWAY_WEBHOOKS_ALLOW_PRIVATE=1
(tests and local development only):

* at registration (`check_url`), the URL must be absolute http(s), carry no user:password (it would
  be stored and logged), no fragment, and if its host is an IP literal or `localhost` that
  address must be public;
* at every attempt (`gateway.webhooks.sender`), the host name is resolved by the worker, EVERY
  resolved address must be public (`address_allowed`), and the connection is made to one of
  exactly those addresses (pinned: a DNS answer that changes between the check and the connect —
  DNS rebinding — cannot slip in a private address). Redirects are never followed (a public
  endpoint answering 307 to an internal one would bypass all this) and no proxy from the
  environment is used.

Public means `ipaddress`'s `is_global` and not multicast: loopback, RFC 1918, link-local
(169.254/16, fe80::/10), carrier-grade NAT (100.64/10), unique-local (fc00::/7), documentation,
benchmarking and reserved ranges are all refused; an IPv4-mapped IPv6 address is judged as IPv4.
"""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def address_allowed(address: str, allow_private: bool) -> bool:
    """May the worker connect to this IP address?"""
    if allow_private:
        return True
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _ip_literal(host: str):
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def normalize_url(url: str) -> str:
    """The URL as stored: scheme and host in lower case (both are case-insensitive)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.hostname:
        netloc = netloc.replace(netloc.rsplit("@", 1)[-1], netloc.rsplit("@", 1)[-1].lower())
    return parts._replace(scheme=parts.scheme.lower(), netloc=netloc).geturl()


def check_url(url: str, allow_private: bool) -> str | None:
    """None if the URL may be registered, else a reason code:
    url_scheme, url_credentials, url_host, url_fragment, url_port, url_private, url_length."""
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
        return "url_length"
    if any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        return "url_host"
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError when not a number or out of range
    except ValueError:
        return "url_port"
    if parts.scheme not in ("http", "https"):
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
    if host in LOCAL_NAMES or host.endswith(".localhost") or "." not in host:
        # a single-label name only resolves inside a private network (search domains, /etc/hosts)
        return "url_private"
    return None
