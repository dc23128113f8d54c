"""The one way out to a URL a clinic or a user chose: webhooks and Web Push endpoints.

A URL must be https to a host whose every address is public. Loopback, private (RFC 1918,
ULA), link-local (and with it cloud metadata such as 169.254.169.254 and fd00:ec2::254),
carrier-grade NAT, unspecified, multicast, reserved and documentation addresses are refused,
as are IPv6 forms that embed such an IPv4 address; IPv4 spellings such as ``2130706433`` or
``0x7f.0.0.1`` are read the way the resolver reads them. The host is resolved once and the
connection goes to the address that was checked, so a DNS answer that changes between the
check and the connect (rebinding) cannot steer it. Redirects are never followed, and errors
name only a coarse class, so that what the admin reads in ``last_error`` cannot map a network.

Hosts the operator lists in ``OUTBOUND_ALLOW_HOSTS`` (``host`` or ``host:port``) skip the
address check and may use plain http: an internal paging bridge, the tests' local receivers.
Input is checked without DNS (``validate_url``); resolution is checked at each send (``post``).
"""

import http.client
import ipaddress
import re
import socket
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from marshmallow import ValidationError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
#: ``(host, port) -> addresses``: the one DNS lookup of a send (tests pass their own).
Resolver = Callable[[str, int], list[str]]

#: The coarse reasons a send or a URL is refused; nothing finer ever leaves this module.
ADDRESS_NOT_ALLOWED = "address not allowed"
HTTPS_REQUIRED = "https required"
NOT_A_URL = "not a plain http(s) URL"
CREDENTIALS = "no user name or password in the URL"
#: What the API answers for each reason, in the 422 that names the field.
_MESSAGES = {
    ADDRESS_NOT_ALLOWED: "Refused: an internal host (loopback, private, link-local, metadata...).",
    HTTPS_REQUIRED: "Refused: must be an https URL.",
    NOT_A_URL: "Refused: not a plain http(s) URL (no spaces, backslashes or non-ASCII).",
    CREDENTIALS: "Refused: no user name or password in the URL.",
}

_NETWORKS = {
    4: (
        "0.0.0.0/8",  # "this network", with the unspecified address
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",  # RFC 1918
        "100.64.0.0/10",  # carrier-grade NAT (Alibaba's metadata is 100.100.100.200)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, where cloud metadata services answer
        "192.0.0.0/24",  # IETF protocol assignments (Oracle's metadata is 192.0.0.192)
        "192.0.2.0/24",
        "198.51.100.0/24",
        "203.0.113.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relays
        "198.18.0.0/15",  # benchmarking
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, with the broadcast address
    ),
    6: (
        "::/96",  # unspecified, loopback and the deprecated IPv4-compatible form
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/23",  # IETF protocol assignments (Teredo, benchmarking, ORCHID)
        "2001:db8::/32",
        "3fff::/20",  # documentation
        "5f00::/16",  # SRv6 segment ids
        "fc00::/7",  # unique local (AWS metadata is fd00:ec2::254)
        "fe80::/10",  # link-local
        "fec0::/10",  # deprecated site-local
        "ff00::/8",  # multicast
    ),
}
_FORBIDDEN = {v: tuple(ipaddress.ip_network(n) for n in nets) for v, nets in _NETWORKS.items()}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
#: A send tries this many of the checked addresses in turn (bounds its time).
_MAX_ADDRESSES = 3
_LABEL = r"(?!-)[a-z0-9_-]{1,63}(?<!-)"
_HOSTNAME = re.compile(rf"{_LABEL}(\.{_LABEL})*")


class Refused(Exception):
    """The URL or the address it resolves to is not one Waypoint may send to."""


class Unreachable(Exception):
    """The send did not get an HTTP answer (DNS, connection, TLS, timeout: one class)."""

    def __str__(self) -> str:
        return "connection failed"


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect and what to ask for."""

    scheme: str
    host: str  #: lower case, no trailing dot; an IP literal in its canonical spelling
    port: int
    path: str  #: path and query, as sent on the request line
    allow_listed: bool


def forbidden(address: Address) -> bool:
    """Whether ``address`` is one Waypoint must not connect to for a clinic or a user."""
    if isinstance(address, ipaddress.IPv6Address):
        # These reach an IPv4 address on the wire: judge that one.
        if address.ipv4_mapped is not None:
            return forbidden(address.ipv4_mapped)
        if address in _NAT64:
            return forbidden(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address.sixtofour is not None and forbidden(address.sixtofour):
            return True
    return (
        any(address in network for network in _FORBIDDEN[address.version])
        or not address.is_global
        or address.is_multicast
        or address.is_reserved
    )


def literal_address(host: str) -> Address | None:
    """The address ``host`` spells (any IPv4 spelling inet_aton reads), or None for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:  # 2130706433, 0x7f.0.0.1, 0177.1: the resolver reads these as addresses, so do we
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def normal_host(host: str) -> str:
    """``host`` as compared: lower case, no trailing dot, literal addresses canonical."""
    host = host.lower().rstrip(".")
    address = literal_address(host)
    return str(address) if address is not None else host


def parse_allow_list(entries: Iterable[str]) -> frozenset[tuple[str, int | None]]:
    """``host``, ``host:port``, ``[v6]:port`` entries as (host, port or None); ValueError if bad."""
    allowed = set()
    for entry in entries:
        entry = entry.strip()
        if entry.count(":") > 1 and not entry.startswith("["):
            entry = f"[{entry}]"  # a bare IPv6 address: no port
        try:
            parts = urlsplit(f"//{entry}")
            port = parts.port
        except ValueError:
            port, parts = None, None
        if parts is None or not parts.hostname or parts.path or parts.username is not None:
            raise ValueError(f"OUTBOUND_ALLOW_HOSTS: {entry!r} is not host or host:port")
        allowed.add((normal_host(parts.hostname), port))
    return frozenset(allowed)


def target(url: str, allow: Iterable[str] = ()) -> Target:
    """Check ``url`` without DNS: scheme, shape, and no forbidden literal address; or Refused."""
    if not url.isascii() or any(c <= " " or c in "\\\x7f" for c in url):
        raise Refused(NOT_A_URL)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused(NOT_A_URL) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname or port == 0:
        raise Refused(NOT_A_URL)
    if "@" in parts.netloc:
        raise Refused(CREDENTIALS)
    host = normal_host(parts.hostname)
    address = literal_address(host)
    if address is None and not _HOSTNAME.fullmatch(host):
        raise Refused(NOT_A_URL)
    port = port or (443 if scheme == "https" else 80)
    allow = parse_allow_list(allow)
    allow_listed = (host, port) in allow or (host, None) in allow
    if not allow_listed:
        if scheme != "https":
            raise Refused(HTTPS_REQUIRED)
        # localhost names are loopback by definition (RFC 6761), whatever DNS says later.
        localhost = host == "localhost" or host.endswith(".localhost")
        if localhost or (address is not None and forbidden(address)):
            raise Refused(ADDRESS_NOT_ALLOWED)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, port, path, allow_listed)


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host``, in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def pinned_addresses(checked: Target, resolver: Resolver) -> list[Address]:
    """Resolve once and check every address; the ones to connect to, in order (at most 3)."""
    address = literal_address(checked.host)
    if address is not None:
        addresses = [address]
    else:
        try:
            addresses = [ipaddress.ip_address(a) for a in resolver(checked.host, checked.port)]
        except (OSError, UnicodeError, ValueError):
            raise Unreachable() from None
    if not addresses:
        raise Unreachable()
    if not checked.allow_listed and any(forbidden(a) for a in addresses):
        raise Refused(ADDRESS_NOT_ALLOWED)
    return addresses[:_MAX_ADDRESSES]


def post(
    url: str,
    body: bytes,
    headers: dict,
    *,
    timeout: float,
    allow: Iterable[str] = (),
    resolver: Resolver | None = None,
) -> int:
    """POST ``body`` to ``url`` through the guard; the HTTP status, redirects not followed.

    Raises Refused (the URL or its address is not allowed) or Unreachable (no HTTP answer).
    """
    checked = target(url, allow)
    addresses = [str(a) for a in pinned_addresses(checked, resolver or system_resolver)]
    kind = _PinnedHTTPS if checked.scheme == "https" else _PinnedHTTP
    connection = kind(checked.host, checked.port, addresses, timeout)
    try:
        connection.request("POST", checked.path, body=body, headers=headers)
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):  # refused, reset, timeout, TLS, not HTTP
        raise Unreachable() from None
    finally:
        connection.close()


def _connect(addresses: list[str], port: int, timeout: float) -> socket.socket:
    """A TCP connection to the first of the checked addresses that answers."""
    for address in addresses[:-1]:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError:
            continue
    return socket.create_connection((addresses[-1], port), timeout)


class _PinnedHTTP(http.client.HTTPConnection):
    """Speaks to ``host`` (Host header) at the already checked addresses: no second lookup."""

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.pinned = addresses

    def connect(self):
        self.sock = _connect(self.pinned, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """The same over TLS, the certificate verified for ``host`` (SNI too)."""

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.pinned = addresses

    def connect(self):
        sock = _connect(self.pinned, self.port, self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


# --- the app's side: configuration and input validation ---------------------------------------


def allow_list() -> tuple[str, ...]:
    """The operator's allow-listed hosts (``OUTBOUND_ALLOW_HOSTS``) of the current app."""
    return tuple(current_app.config["OUTBOUND_ALLOW_HOSTS"])


def message(reason: str) -> str:
    """What the API answers for one of the coarse reasons above."""
    return _MESSAGES[reason]


def validate_url(value: str) -> None:
    """A marshmallow validator: ``value`` is a URL Waypoint may later send to."""
    try:
        target(value, allow_list())
    except Refused as exc:
        raise ValidationError(_MESSAGES[str(exc)]) from None
