"""Where the service may send requests that a site chose the address of (webhooks).

A site chooses the URL, so every request is checked against server-side request forgery:
the host is resolved, every address must be globally routable (:func:`address_problem`;
an operator's settings can allow private networks), and the connection is made to the
address just checked rather than to what the name resolves to later, with the original
``Host`` and, for https, the certificate verified against the original host name.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Rules(Protocol):
    """What an operator allows beyond public addresses (``delivery_settings.Settings`` has both)."""

    @property
    def allow_private(self) -> bool: ...

    @property
    def allowed_networks(self) -> tuple[IPNetwork, ...]: ...


FORBIDDEN = "a private or reserved address"
# Kinds of address that WEBHOOK_ALLOW_PRIVATE allows; the rest (link-local, such as cloud
# metadata at 169.254.169.254, multicast, unspecified, reserved) only by an explicit network
# in WEBHOOK_ALLOWED_NETWORKS.
PRIVATE_KINDS = frozenset({"loopback", "private", "shared"})
_PRIVATE_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, RFC 6598
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known prefix: an IPv4 address inside
_RESERVED = tuple(ipaddress.ip_network(n) for n in (  # in case ipaddress misses one
    "0.0.0.0/8", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "240.0.0.0/4", "::/96", "64:ff9b:1::/48", "100::/64", "2001::/23",
    "2001:db8::/32", "fec0::/10"))

getaddrinfo = socket.getaddrinfo  # a module attribute, so that tests can stand in for DNS
# socket.getaddrinfo has no timeout and a resolver can hang for minutes.  So each lookup runs
# on a daemon thread (which never delays the process's exit) and the caller stops waiting
# after RESOLVE_TIMEOUT seconds.  Callers asking for the same name while its lookup is under
# way share it, so a name whose DNS server never answers holds one thread, not one per
# delivery, and cannot starve the lookups of other names; at most MAX_LOOKUPS names are
# looked up at once per process.
RESOLVE_TIMEOUT = 5.0
MAX_LOOKUPS = 16
_lookups: dict[tuple[str, int], Future] = {}
_lookups_lock = threading.Lock()


class UnsafeURL(ValueError):
    """A webhook URL that must not be requested (or cannot be: it does not resolve);
    ``address`` is the forbidden address it resolved to, if that is the reason."""

    def __init__(self, reason: str, address: IPAddress | None = None) -> None:
        super().__init__(reason)
        self.address = address


class ResolveTimeout(UnsafeURL):
    """The name's lookup did not finish in time: perhaps a passing resolver problem."""


def address_kind(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a globally routable unicast address (``"loopback"``, ``"private"``,
    ``"shared"``, ``"link-local"``, ``"multicast"``, ``"unspecified"``, ``"reserved"``), or
    None if it is one.  An IPv6 address carrying an IPv4 one (mapped, NAT64, 6to4) is
    judged by that IPv4 address too."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return address_kind(ip.ipv4_mapped)
        if ip in _NAT64:
            return address_kind(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.sixtofour is not None and (inner := address_kind(ip.sixtofour)):
            return inner
        ip = ipaddress.IPv6Address(ip.compressed.split("%")[0])  # drop a scope id
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if any(ip in net for net in _PRIVATE_NETWORKS):
        return "private"
    if ip in _SHARED:
        return "shared"
    if (ip.is_private or ip.is_reserved or not ip.is_global
            or any(ip in net for net in _RESERVED)
            or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local)):
        return "reserved"
    return None


def address_problem(ip: IPAddress, settings: Rules) -> str | None:
    """None if a webhook may be sent to ``ip`` under ``settings``; else the kind of address."""
    candidates: list[IPAddress] = [ip]
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        candidates.append(ip.ipv4_mapped)
    if any(c in net for c in candidates for net in settings.allowed_networks
           if c.version == net.version):
        return None
    kind = address_kind(ip)
    if kind is None or (settings.allow_private and kind in PRIVATE_KINDS):
        return None
    return kind


@dataclass(frozen=True)
class Target:
    """A webhook URL taken apart, with the addresses of its host, every one of them checked."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[tuple[int, Any], ...]  # (family, sockaddr) as getaddrinfo gives them


def resolve(host: str, port: int, timeout: float | None = None) -> list[tuple]:
    """``getaddrinfo`` for a TCP connection to ``host``; :class:`ResolveTimeout` after
    ``timeout`` seconds (default :data:`RESOLVE_TIMEOUT`), :class:`UnsafeURL` when the name
    does not resolve."""
    timeout = RESOLVE_TIMEOUT if timeout is None else timeout
    key = (host, port)
    with _lookups_lock:
        lookup = _lookups.get(key)
        if lookup is None:
            if len(_lookups) >= MAX_LOOKUPS:
                raise ResolveTimeout(f"{host} was not looked up: {MAX_LOOKUPS} other DNS "
                                     "lookups are still waiting for an answer")
            lookup = _lookups[key] = Future()
            threading.Thread(target=_look_up, args=(key, lookup), name="webhook-dns",
                             daemon=True).start()
    try:
        return lookup.result(timeout=timeout)
    except FutureTimeout as exc:  # before OSError: it is one
        raise ResolveTimeout(f"{host} did not resolve within {timeout:g} s") from exc
    except (OSError, UnicodeError) as exc:  # socket.gaierror, a name too long for IDNA
        raise UnsafeURL(f"{host} does not resolve ({exc})") from exc


def _look_up(key: tuple[str, int], lookup: Future) -> None:
    # The lookup is forgotten before its answer is given, so that a check made after the
    # answer (the next delivery attempt, say) asks the resolver again instead of reusing it.
    try:
        infos = getaddrinfo(*key, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except BaseException as exc:  # noqa: BLE001 - handed to the callers waiting for it
        _forget(key, lookup)
        lookup.set_exception(exc)
    else:
        _forget(key, lookup)
        lookup.set_result(infos)


def _forget(key: tuple[str, int], lookup: Future) -> None:
    with _lookups_lock:
        if _lookups.get(key) is lookup:
            del _lookups[key]


def check_url(url: str, settings: Rules) -> Target:
    """Resolve the URL's host now (:func:`resolve`: giving up after RESOLVE_TIMEOUT) and
    check every address; raise :class:`UnsafeURL` if the URL is not http(s), does not
    resolve, or any address is not allowed."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"not a valid URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeURL("not an http(s) URL")
    host = parts.hostname
    if not host:
        raise UnsafeURL("the URL has no host")
    port = port or (443 if scheme == "https" else 80)
    infos = resolve(host, port)
    addresses: list[tuple[int, Any]] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        kind = address_problem(ip, settings)
        if kind is not None:
            raise UnsafeURL(f"{host} resolves to {ip} ({kind}), {FORBIDDEN}", ip)
        if (family, sockaddr) not in addresses:
            addresses.append((family, sockaddr))
    if not addresses:
        raise UnsafeURL(f"{host} does not resolve to an IP address")
    path = parts.path or "/"
    return Target(scheme, host, port, path + (f"?{parts.query}" if parts.query else ""),
                  tuple(addresses))


def _connect(addresses: Iterable[tuple[int, Any]], timeout: float | None) -> socket.socket:
    """A TCP connection to the first of the checked addresses that answers (``timeout`` as
    for :meth:`socket.socket.settimeout`; the connections below always pass a number)."""
    error: OSError | None = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError("no address to connect to")


class CheckedHTTPConnection(http.client.HTTPConnection):
    """Connects to addresses checked beforehand, never to what the host name resolves to
    later; ``Host`` is still the URL's host."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.target = target

    def connect(self) -> None:
        self.sock = _connect(self.target.addresses, self.timeout)


class CheckedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS: the certificate is verified against the URL's host name (sent as
    SNI), not against the address connected to."""

    def __init__(self, target: Target, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=context)
        self.target, self.tls = target, context

    def connect(self) -> None:
        sock = _connect(self.target.addresses, self.timeout)
        try:
            self.sock = self.tls.wrap_socket(sock, server_hostname=self.target.host)
        except BaseException:
            sock.close()
            raise


_tls: ssl.SSLContext | None = None


def tls_context() -> ssl.SSLContext:
    """The system's trusted CAs, certificate and host name checked (made once)."""
    global _tls
    if _tls is None:
        _tls = ssl.create_default_context()
    return _tls
