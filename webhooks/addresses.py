"""The SSRF guard: where a webhook may be sent.

A URL's host is resolved and every address it resolves to must be public: loopback, private,
link-local, multicast, reserved, unspecified and shared (carrier-grade NAT) addresses are
refused, in IPv4 and IPv6, an IPv4-mapped IPv6 address judged as the IPv4 address it maps.
If one address of several is refused the URL is refused: a name that resolves partly inside
the network is not a public endpoint. ``WEBHOOKS_ALLOW_PRIVATE_ADDRESSES`` lifts this (tests,
the benchmark, an installation that sends only inside its network); ``WEBHOOKS_ALLOW_HTTP``
allows plain http://.

The check runs when an endpoint is saved and again before every send, because DNS can change
in between; the sender then connects to the very address it checked (``Target.address``), so a
name cannot resolve to a public address for the check and a private one for the connection.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefusedError(ValidationError):
    """The URL may not receive webhooks (its scheme, or where its host resolves)."""


@dataclass(frozen=True)
class Target:
    """Where to connect: the checked ``address``, and the name for the Host header and TLS."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return is_public(ip.ipv4_mapped)
    refused = (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )
    # is_global is False for the rest that is not the Internet (100.64.0.0/10, 192.0.0.0/24, …).
    return not refused and ip.is_global


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [literal]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise AddressRefusedError(
            _("The host %(host)s cannot be resolved.") % {"host": host}, code="unresolvable"
        ) from error
    found: list[IPAddress] = []
    for info in infos:
        # An IPv6 address may carry a scope ("fe80::1%eth0"); the address is before the %.
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if ip not in found:
            found.append(ip)
    if not found:
        raise AddressRefusedError(
            _("The host %(host)s cannot be resolved.") % {"host": host}, code="unresolvable"
        )
    return found


def check_url(url: str) -> Target:
    """The address to send ``url``'s webhooks to, or AddressRefusedError saying why not."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise AddressRefusedError(_("Use an https:// URL."), code="scheme")
    if scheme == "http" and not settings.WEBHOOKS_ALLOW_HTTP:
        raise AddressRefusedError(
            _("Use an https:// URL: webhooks are not sent over plain http."), code="scheme"
        )
    if parts.username or parts.password:
        raise AddressRefusedError(
            _("Put no user name or password in the URL: every event is signed instead."),
            code="credentials",
        )
    host = parts.hostname
    if not host:
        raise AddressRefusedError(_("The URL has no host."), code="host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as error:
        raise AddressRefusedError(_("The URL's port is not a number."), code="port") from error
    addresses = _resolve(host, port)
    if not settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        refused = [ip for ip in addresses if not is_public(ip)]
        if refused:
            raise AddressRefusedError(
                _(
                    "%(host)s resolves to %(address)s, which is not a public address: "
                    "webhooks are sent only to the Internet."
                )
                % {"host": host, "address": refused[0]},
                code="private_address",
            )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port, path=path, address=str(addresses[0]))
