"""Layer 5b: the client's real address, taken from forwarded headers only when a trusted proxy sent them.

``X-Forwarded-For`` is a header anyone can send. uvicorn's own handling trusts
it from loopback by default (so a process on the same host picks its address)
and accepts any text as an address. Here the service names the networks of its
proxies (``AURORA_APP__TRUSTED_PROXIES``, empty by default: nothing is trusted,
the peer address is the client). From a trusted peer the list is read right to
left, skipping trusted hops, and the first untrusted address is the client; an
entry that is not an IP address gets a 400 problem, since a proxy that sends
garbage is misconfigured and a guess would misattribute the request.
``X-Forwarded-Proto`` from a trusted peer sets the scheme. The access log and the
rate limiter read ``scope["client"]``, so both see the real client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from aurora.app._problems import send_problem
from aurora.errors import BadRequestError

__all__ = ["TrustedProxies", "parse_networks"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """``["10.0.0.0/8", "::1"]`` as networks; ``ValueError`` names the first non-IP value."""
    networks: list[Network] = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"{value!r} is not an IP address or network") from exc
    return tuple(networks)


class TrustedProxies:
    """Rewrite ``scope["client"]`` and ``scope["scheme"]`` from a trusted proxy's headers.

    Args:
        app: The wrapped ASGI app.
        networks: The proxies' addresses or networks (``10.0.0.0/8``).
    """

    def __init__(self, app: ASGIApp, *, networks: Iterable[str]) -> None:
        self.app = app
        self._networks = parse_networks(networks)
        self._verdicts: dict[str, bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            client = scope.get("client")
            if client and self._trusted(client[0]):
                try:
                    self._apply(scope)
                except ValueError as exc:
                    if scope["type"] == "http":
                        await send_problem(send, BadRequestError(str(exc)), scope.get("path"))
                        return
        await self.app(scope, receive, send)

    def _trusted(self, host: str) -> bool:
        verdict = self._verdicts.get(host)
        if verdict is None:
            try:
                address = ipaddress.ip_address(host)
            except ValueError:
                verdict = False  # a unix socket path or a name: never a proxy we listed
            else:
                verdict = any(address in network for network in self._networks)
            if len(self._verdicts) < 4096:  # peers are few; a flood must not grow this
                self._verdicts[host] = verdict
        return verdict

    def _apply(self, scope: Scope) -> None:
        forwarded: list[str] = []
        proto = None
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                forwarded.extend(value.decode("latin-1").split(","))
            elif name == b"x-forwarded-proto":
                proto = value.decode("latin-1").rsplit(",", 1)[-1].strip().lower()
        if forwarded:
            scope["client"] = (self._client(forwarded), 0)
        if proto in ("http", "https"):
            secure = proto == "https"
            if scope["type"] == "websocket":
                scope["scheme"] = "wss" if secure else "ws"
            else:
                scope["scheme"] = proto

    def _client(self, hops: list[str]) -> str:
        client = ""
        for hop in reversed(hops):
            candidate = hop.strip()
            try:
                client = str(ipaddress.ip_address(candidate))
            except ValueError:
                raise ValueError(
                    "X-Forwarded-For holds a value that is not an IP address"
                ) from None
            if not self._trusted(client):
                return client
        return client  # every hop is a proxy of ours: the first one is the client
