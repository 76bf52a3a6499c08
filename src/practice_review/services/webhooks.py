"""Webhooks out (SECURITY.md "Notifications"): where they may go, how they are signed, how they are sent.

- Destinations: a subscription URL may not name or resolve to a private, loopback, link-local,
  reserved, multicast or unspecified address (169.254.169.254, 10.x, 192.168.x, [::1], 0x7f000001,
  localhost…), unless it is in PRACTICE_REVIEW_WEBHOOK_ALLOWED_NETWORKS (an on-premises receiver). It is
  checked when the subscription is made and resolved again at every delivery, and the request goes to
  the address that was checked (so a name re-pointed in between, DNS rebinding, gains nothing).
  Redirects are not followed. What went wrong is kept as a category (`timeout`, `http 5xx`…), never
  the receiver's words, so deliveries are no port-scan oracle.
- Signing: Standard Webhooks (https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp`,
  `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>` under a `whsec_` secret; during a
  rotation both secrets sign, space-separated.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
import socket
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

import httpx
from standardwebhooks.webhooks import Webhook

from ..errors import InvalidData
from ..security import Network

SECRET_PREFIX = "whsec_"
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
LOOPBACK: list[Address] = [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]  # RFC 6761 localhost


class Refused(Exception):
    """The destination may not be called; the message is the category kept as `last_error`."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secrets_: Iterable[str], message_id: str, timestamp: datetime, body: str) -> str:
    """The `webhook-signature` header: one `v1,…` per valid secret."""
    return " ".join(
        Webhook(s if s.startswith(SECRET_PREFIX) else s.encode()).sign(message_id, timestamp, body) for s in secrets_
    )


def _forbidden(address: Address, allowed: tuple[Network, ...]) -> str | None:
    if any(address in network for network in allowed):
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _forbidden(address.ipv4_mapped, allowed)
    for what in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(address, f"is_{what}"):
            return what.replace("_", "-")
    if not address.is_global:
        return "not public"
    return None


def _resolve(host: str, port: int) -> list[Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise Refused("name did not resolve") from None
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def _parts(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed "[" (urlsplit reads it as an IPv6 literal)
        raise Refused("not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("not an http(s) URL")
    if parts.username or parts.password:
        raise Refused("credentials in the URL")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("not a valid port") from None
    return parts.scheme, parts.hostname.rstrip(".").lower(), port


def destination(url: str, allowed: tuple[Network, ...], *, must_resolve: bool) -> Address | None:
    """The address to call for `url`, checked; None when the name does not resolve now and need not."""
    scheme, host, port = _parts(url)
    try:
        addresses = LOOPBACK if host == "localhost" or host.endswith(".localhost") else _resolve(host, port)
    except Refused:
        if must_resolve:
            raise
        return None
    for address in addresses:
        reason = _forbidden(address, allowed)
        if reason:
            raise Refused(f"address refused: {reason}")
    if scheme == "http" and not all(any(a in n for n in allowed) for a in addresses):
        raise Refused("plain http only to an allowed on-premises network")
    return addresses[0]


def check_subscription_url(url: str, allowed: tuple[Network, ...]) -> None:
    """At subscription: refused now if it names or resolves to a forbidden address (422)."""
    try:
        destination(url, allowed, must_resolve=False)
    except Refused as exc:
        raise InvalidData([{"field": "url", "message": f"{exc} (SSRF protection; see SECURITY.md)"}]) from None


def post(client: httpx.Client, url: str, allowed: tuple[Network, ...], headers: dict[str, str], body: bytes) -> None:
    """POST to the checked address of `url`; raises Refused with the category of any failure."""
    address = destination(url, allowed, must_resolve=True)
    assert address is not None
    parts = urlsplit(url)
    literal = f"[{address}]" if address.version == 6 else str(address)
    pinned = parts._replace(netloc=f"{literal}:{parts.port or (443 if parts.scheme == 'https' else 80)}").geturl()
    host = parts.hostname or ""
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    try:
        response = client.post(
            pinned,
            content=body,
            headers={**headers, "Host": parts.netloc.rpartition("@")[2]},
            extensions=extensions,
            follow_redirects=False,
        )
    except httpx.TimeoutException:
        raise Refused("timeout") from None
    except httpx.ConnectError as exc:
        raise Refused("tls error" if "SSL" in str(exc) or "certificate" in str(exc) else "connection refused") from None
    except httpx.HTTPError:
        raise Refused("connection failed") from None
    if response.is_redirect:
        raise Refused(f"http {response.status_code // 100}xx: redirects are not followed")
    if not response.is_success:
        raise Refused(f"http {response.status_code // 100}xx")
