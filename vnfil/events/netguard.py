"""Where vnfil may send a webhook: public addresses only, checked twice.

A subscription URL is a request the worker makes on an issuer's behalf, from inside
the deployment's network. Left open it reaches loopback services, the cloud metadata
endpoint (169.254.169.254) or private hosts, and the delivery log reports what
answered: a port scanner (SSRF). So a target is checked when it is subscribed (the
issuer learns why at once) and again at every delivery, after resolving the name;
the worker then connects to the address it checked, so a DNS answer that changes in
between (rebinding) cannot swap it.

Addresses are classified by the stdlib ``ipaddress`` after ``getaddrinfo`` has
resolved the host, which also normalises the integer, hex, octal and short forms of
IPv4 (``2130706433``, ``0x7f.1``, ``127.1``) that nobody should parse by hand.
On-premises receivers (loopback, private ranges, shared address space) can be
allowed with ``VNFIL_WEBHOOK_ALLOW_PRIVATE_TARGETS``; link-local, multicast,
reserved and unspecified addresses never are.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, StringConstraints

from vnfil.platform.text import printable_line

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# A webhook URL as an issuer types it: at most the column's size, one printable line.
WebhookUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^https?://\S+$", max_length=2000),
    AfterValidator(printable_line),
]


class Refused(StrEnum):
    """Why a webhook target is refused."""

    invalid = "invalid"  # not an http(s) URL vnfil can send to
    unresolvable = "unresolvable"  # the host name does not resolve (now)
    unspecified = "unspecified"  # 0.0.0.0/8, ::  (connects to this host)
    loopback = "loopback"  # 127.0.0.0/8, ::1
    link_local = "link-local"  # 169.254.0.0/16 (cloud metadata), fe80::/10
    multicast = "multicast"  # 224.0.0.0/4, ff00::/8
    reserved = "reserved"  # 240.0.0.0/4, broadcast, IETF-reserved IPv6
    private = "private"  # RFC 1918, fc00::/7, fec0::/10, documentation and test ranges
    shared = "shared"  # 100.64.0.0/10, carrier-grade NAT


# What VNFIL_WEBHOOK_ALLOW_PRIVATE_TARGETS lets through, for receivers on the premises.
ON_PREMISES = frozenset({Refused.loopback, Refused.private, Refused.shared})

_WHAT = {
    Refused.unspecified: "an unspecified address",
    Refused.loopback: "a loopback address",
    Refused.link_local: "a link-local address",
    Refused.multicast: "a multicast address",
    Refused.reserved: "a reserved address",
    Refused.private: "a private address",
    Refused.shared: "a shared (carrier-grade NAT) address",
}
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class TargetRefused(ValueError):
    def __init__(self, reason: Refused, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Target:
    """A checked target: the URL as subscribed, and the address to connect to."""

    scheme: str
    host: str  # as in the URL, without brackets
    port: int
    path: str  # path and query
    address: str  # the checked IP the request goes to

    @property
    def pinned_url(self) -> str:
        """The URL with its host replaced by the checked address."""
        addr = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.scheme}://{addr}:{self.port}{self.path}"

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def sni_hostname(self) -> str | None:
        """The name TLS must present and verify; None when the URL names an address."""
        if self.scheme != "https" or _literal(self.host) is not None:
            return None
        return self.host


Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the system's order of preference."""
    infos = await asyncio.to_thread(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def refusal_of(ip: IPAddress) -> Refused | None:
    """The class of address ``ip`` is in when webhooks must not go there; None if public."""
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv4 carried in IPv6 (mapped, NAT64, 6to4) is judged as the IPv4 it carries.
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return refusal_of(embedded)
        if ip.scope_id:
            return Refused.link_local
    if ip.is_unspecified or (isinstance(ip, ipaddress.IPv4Address) and ip in _THIS_NETWORK):
        return Refused.unspecified
    if ip.is_loopback:
        return Refused.loopback
    if ip.is_link_local:
        return Refused.link_local
    if ip.is_multicast:
        return Refused.multicast
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return Refused.shared
    if ip.is_reserved:
        return Refused.reserved
    if ip.is_private or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local):
        return Refused.private
    if not ip.is_global:
        return Refused.reserved
    return None


def _split(url: str) -> tuple[str, str, int, str]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(Refused.invalid, f"not a usable URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise TargetRefused(Refused.invalid, "webhook URLs must start with http:// or https://")
    if not parts.hostname:
        raise TargetRefused(Refused.invalid, "the webhook URL has no host")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused(
            Refused.invalid,
            "credentials in a webhook URL are not supported; verify the signature instead",
        )
    host = parts.hostname
    if _literal(host) is None:
        try:  # the ASCII form DNS, the Host header and TLS use
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise TargetRefused(Refused.invalid, f"{host!r} is not a valid host name") from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port or (443 if scheme == "https" else 80), path


async def resolve_target(
    url: str, *, allow_private: bool, resolver: Resolver = system_resolver
) -> Target:
    """Resolve ``url``'s host and check every address; raise ``TargetRefused`` with why.

    All addresses must pass (a name that also points inward is refused), and the
    request goes to the first, so what is checked is what is connected to.
    """
    scheme, host, port, path = _split(url)
    literal = _literal(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = await resolver(host, port)
        except (OSError, UnicodeError, ValueError) as exc:
            raise TargetRefused(
                Refused.unresolvable, f"the host {host} does not resolve ({exc})"
            ) from None
        if not addresses:
            raise TargetRefused(Refused.unresolvable, f"the host {host} does not resolve")
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            raise TargetRefused(
                Refused.unresolvable, f"the host {host} resolved to {address!r}"
            ) from None
        reason = refusal_of(ip)
        if reason is None or (allow_private and reason in ON_PREMISES):
            continue
        where = f"{host} is" if literal is not None else f"{host} resolves to {ip}, which is"
        hint = (
            " (set VNFIL_WEBHOOK_ALLOW_PRIVATE_TARGETS=true for receivers on the premises)"
            if reason in ON_PREMISES
            else ""
        )
        raise TargetRefused(
            reason,
            f"{where} {_WHAT[reason]}; webhooks go only to public addresses{hint}",
        )
    return Target(scheme, host, port, path, addresses[0])
