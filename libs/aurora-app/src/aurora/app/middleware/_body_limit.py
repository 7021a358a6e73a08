"""Stage 6: refuse request bodies larger than the service accepts, with a 413 problem.

A declared ``Content-Length`` over the limit is refused before the app runs.
Without one (chunked uploads) the body is counted as the app reads it, and the
read that crosses the limit raises a 413 ``HTTPException``, which the app's
handlers turn into the same problem. (An ``HTTPException`` rather than
``PayloadTooLargeError`` because FastAPI re-raises only that type from body
parsing and reports anything else as a 400.)
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope

from aurora.errors import PayloadTooLargeError

__all__ = ["BodyLimit"]

# Methods whose requests carry no body in practice; their receive is left unwrapped.
_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyLimit:
    """Caps request bodies at ``max_body_size`` bytes."""

    def __init__(self, max_body_size: int) -> None:
        self.max_body_size = max_body_size

    def guard(
        self, scope: Scope, headers: Mapping[bytes, bytes], receive: Receive
    ) -> Receive | None:
        """The ``receive`` the app should use, or ``None`` to answer 413 right away.

        ``headers`` maps lower-case names to values (``dict(scope["headers"])``).
        """
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit():
            # The server enforces a declared length, so there is nothing to count.
            return receive if int(declared) <= self.max_body_size else None
        if scope["method"] in _BODYLESS:
            return receive
        return self._counting(receive)

    def error(self) -> PayloadTooLargeError:
        """The problem a client gets for an oversized body."""
        return PayloadTooLargeError(f"Request body exceeds {self.max_body_size} bytes")

    def _counting(self, receive: Receive) -> Receive:
        received = 0
        limit = self.max_body_size

        async def receive_counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, self.error().detail)
            return message

        return receive_counted
