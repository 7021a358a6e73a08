"""uvicorn's httptools protocol with bounded request heads and bounded body reads.

uvicorn sets no limit on the size of a request's URL and headers: httptools
buffers a header value until it ends, so a client can hold hundreds of MiB per
connection. nginx allows 4 x 8 KiB, Node and h11 16 KiB, and answer
``431 Request Header Fields Too Large`` beyond. This subclass keeps the fast C
parser and adds two checks, both in the protocol so nothing reaches the app:

* the URL and header bytes the parser reports are counted in its callbacks, and
  a head over ``max_header_bytes`` is answered 431 when it completes; raw bytes
  received while the head is still incomplete are counted too, so a head that
  never ends is refused once it has sent more than the limit (memory stays at
  about the limit plus one read per connection);
* a request whose body stops arriving (shorter than its ``Content-Length``) is
  answered 408 after ``body_read_timeout`` seconds without progress, instead of
  holding the connection and the app's task forever.

Hand-written because uvicorn has no such options (h11 has a 16 KiB cap but is
several times slower); the subclass overrides four callbacks and nothing else.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from aurora.errors import PROBLEM_CONTENT_TYPE

__all__ = ["BoundedHttpToolsProtocol", "bounded_protocol"]

# Request line and separators are not counted by the callbacks: allow for them
# before calling an unfinished head too large.
_RAW_SLACK = 8 * 1024


def _problem(status: int, reason: bytes, code: str, detail: str) -> bytes:
    body = (
        b'{"type":"about:blank","title":"'
        + reason
        + b'","status":'
        + str(status).encode()
        + b',"code":"'
        + code.encode()
        + b'","detail":"'
        + detail.encode()
        + b'"}'
    )
    return b"".join(
        [
            b"HTTP/1.1 " + str(status).encode() + b" " + reason + b"\r\n",
            b"content-type: " + PROBLEM_CONTENT_TYPE.encode() + b"\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
            body,
        ]
    )


_TOO_LARGE = _problem(
    431,
    b"Request Header Fields Too Large",
    "header_fields_too_large",
    "The request line and headers are too large",
)
_BODY_TIMEOUT = _problem(
    408, b"Request Timeout", "request_timeout", "The request body did not arrive in time"
)


class _HeadTooLargeError(Exception):
    """Raised inside a parser callback to stop parsing; answered 431."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` refusing heads over ``max_header_bytes`` and stalled bodies."""

    max_header_bytes = 16 * 1024
    body_read_timeout = 15.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0
        self._raw_head_bytes = 0
        self._in_head = True
        self._in_body = False
        self._refused = False
        self._body_seen = 0
        self._body_timer: asyncio.TimerHandle | None = None

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._in_head:
            self._raw_head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._raw_head_bytes > self.max_header_bytes + _RAW_SLACK:
            self._refuse(_TOO_LARGE)
        elif self._in_body and self._body_timer is None and self.body_read_timeout > 0:
            # Only a body still incomplete after this read is watched: bodiless and
            # one-read requests cost no timer.
            self._arm(self._body_seen)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        self._in_head = True

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value))
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._raw_head_bytes = 0
        self._in_body = True
        self._body_seen = 0
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._body_seen += len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._stop_watching()
        self._in_head = True
        self._in_body = False
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_watching()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        # uvicorn answers any parser error 400; a head we stopped gets its own 431.
        if self._refused:
            return
        super().send_400_response(msg)

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self.max_header_bytes:
            self._refuse(_TOO_LARGE)
            raise _HeadTooLargeError

    def _refuse(self, response: bytes) -> None:
        if self._refused:
            return
        self._refused = True
        self._stop_watching()
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            if cycle.response_started:  # too late for a status: just close
                response = b""
            cycle.disconnected = True
            cycle.message_event.set()
        if response and not self.transport.is_closing():
            self.transport.write(response)
        self.transport.close()

    def _arm(self, seen: int) -> None:
        self._body_timer = self.loop.call_later(self.body_read_timeout, self._check_body, seen)

    def _check_body(self, seen: int) -> None:
        # One timer per watched request, re-armed while bytes keep arriving.
        if self._in_body and self._body_seen > seen:
            self._arm(self._body_seen)
            return
        self._body_timer = None
        if self._in_body:
            self._refuse(_BODY_TIMEOUT)

    def _stop_watching(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None


def bounded_protocol(
    *, max_header_bytes: int, body_read_timeout: float
) -> type[BoundedHttpToolsProtocol]:
    """A protocol class for ``uvicorn.Config(http=...)`` with these limits."""
    if max_header_bytes < 1:
        raise ValueError("max_header_bytes must be positive")
    return type(
        "BoundedHttpToolsProtocol",
        (BoundedHttpToolsProtocol,),
        {"max_header_bytes": max_header_bytes, "body_read_timeout": body_read_timeout},
    )
