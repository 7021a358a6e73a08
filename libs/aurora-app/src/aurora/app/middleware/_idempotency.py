"""Layer 12: ``Idempotency-Key`` on POST and PATCH, see :mod:`aurora.app._idempotency`.

Requests without the header pass straight through (one header scan). With it,
the body is read first (to fingerprint it) and handed to the app unchanged; the
response is recorded as it is sent. The layer sits inside rate limiting, so
retries still count against quotas, and before authentication, so the caller's
scope comes from the verified token in the request itself: a replay never
crosses from one principal to another.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aurora.app._callers import client_address, verified_principal
from aurora.app._idempotency import IdempotencyRecord, IdempotencyStore, fingerprint
from aurora.app._problems import send_problem
from aurora.app._security import TokenVerifier
from aurora.errors import AuroraError, BadRequestError, ConflictError, ValidationError

__all__ = ["IdempotencyMiddleware"]

_HEADER = b"idempotency-key"
_MAX_KEY = 255
_REPLAYED = ("idempotent-replayed", "true")


class IdempotencyMiddleware:
    """Store first responses per ``Idempotency-Key`` and caller; replay them on retry.

    Args:
        app: The wrapped ASGI app.
        store: Where records live (memory, Redis, a database).
        ttl: Seconds a completed response is replayed.
        in_flight_ttl: Seconds a key stays reserved while its first request runs
            (bounds the lock a crashed replica leaves behind).
        methods: Methods the header applies to.
        verifier: Verifies bearer tokens, so records are kept per JWT subject.

    Attributes:
        methods: The methods the header applies to; ``ServiceMiddleware``, directly
            outside this layer, hands other requests straight to the app.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        store: IdempotencyStore,
        ttl: float = 86_400.0,
        in_flight_ttl: float = 60.0,
        methods: Iterable[str] = ("POST", "PATCH"),
        verifier: TokenVerifier | None = None,
    ) -> None:
        self.app = app
        self._store = store
        self._ttl = ttl
        self._in_flight_ttl = in_flight_ttl
        self.methods = frozenset(method.upper() for method in methods)
        self._verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in self.methods:
            for name, value in scope["headers"]:
                if name == _HEADER:
                    await self._keyed(value, scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _keyed(self, raw_key: bytes, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path")
        key = raw_key.decode("latin-1").strip()
        if not key or len(key) > _MAX_KEY or not key.isprintable():
            error = BadRequestError("Idempotency-Key must be 1-255 printable characters")
            await send_problem(send, error, path)
            return
        try:
            body = await _read_body(receive)
        except HTTPException as exc:  # the body limit's 413
            await send_problem(send, AuroraError(str(exc.detail), status=exc.status_code), path)
            return
        record_key = self._caller(scope) + ":" + hashlib.sha256(key.encode()).hexdigest()
        mark = fingerprint(scope["method"], scope["path"], scope.get("query_string", b""), body)
        existing = await self._store.begin(record_key, IdempotencyRecord(mark), self._in_flight_ttl)
        if existing is not None:
            await self._answer_existing(existing, mark, send, path)
            return
        await self._first(record_key, mark, body, scope, receive, send)

    async def _answer_existing(
        self, existing: IdempotencyRecord, mark: str, send: Send, path: str | None
    ) -> None:
        if existing.fingerprint != mark:
            error: AuroraError = ValidationError(
                "This Idempotency-Key was used with a different request",
                code="idempotency_key_reused",
            )
            await send_problem(send, error, path)
        elif not existing.done:
            error = ConflictError(
                "A request with this Idempotency-Key is still being processed",
                code="idempotency_key_in_flight",
            )
            await send_problem(send, error, path, [(b"retry-after", b"1")])
        else:
            headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in existing.headers]
            headers.append((_REPLAYED[0].encode(), _REPLAYED[1].encode()))
            assert existing.status is not None
            await send(
                {"type": "http.response.start", "status": existing.status, "headers": headers}
            )
            await send({"type": "http.response.body", "body": existing.body})

    async def _first(
        self, record_key: str, mark: str, body: bytes, scope: Scope, receive: Receive, send: Send
    ) -> None:
        status = 0
        headers: list[tuple[str, str]] = []
        chunks: list[bytes] = []
        complete = False

        async def record(message: Message) -> None:
            nonlocal status, complete
            if message["type"] == "http.response.start":
                status = message["status"]
                headers.extend(
                    (n.decode("latin-1"), v.decode("latin-1"))
                    for n, v in message.get("headers", ())
                )
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                complete = not message.get("more_body", False)
            await send(message)

        try:
            await self.app(scope, _replay(body, receive), record)
        except BaseException:
            await self._store.abandon(record_key)
            raise
        if complete and 0 < status < 500:
            done = IdempotencyRecord(mark, status, tuple(headers), b"".join(chunks))
            await self._store.finish(record_key, done, self._ttl)
        else:
            await self._store.abandon(record_key)

    def _caller(self, scope: Scope) -> str:
        principal = verified_principal(scope, self._verifier)
        if principal is not None:
            return "sub:" + principal.subject
        return "ip:" + client_address(scope)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def receive_again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_again
