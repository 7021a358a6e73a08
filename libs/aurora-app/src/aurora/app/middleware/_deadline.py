"""Layer 5a: every request has a deadline; past it the client gets a 504 and the work is cancelled.

A request blocked on a sick dependency (a frozen database, an upstream that
accepts and never answers) would otherwise hold its client, its task and its
pool connection for as long as the dependency stays sick. Here one timer per
request fires at the deadline and:

1. cancels the request's task, so the route's ``await`` (a query, an outgoing
   call) raises ``CancelledError`` and its cleanup runs;
2. answers ``504 deadline_exceeded`` (problem+json) at once, if no response has
   started: from its own task, because the cancelled work may take a while to
   unwind (closing a connection to a frozen server waits for the socket
   timeouts), and the client should not wait for that.

A route needing more (an export) or less time sets its own budget with the
:func:`~aurora.app.deadline` dependency; the budget counts from the start of the
request. The remaining time is readable by code that propagates it downstream
(``remaining_seconds(request)``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from aurora.app._problems import send_problem
from aurora.errors import DeadlineExceededError

__all__ = ["DEADLINE_SCOPE_KEY", "Deadline", "DeadlineMiddleware", "deadline", "remaining_seconds"]

DEADLINE_SCOPE_KEY = "aurora.deadline"


class Deadline:
    """The deadline of one request: when it expires, and what happens then."""

    __slots__ = (
        "_handle",
        "_loop",
        "_send",
        "_task",
        "expired",
        "path",
        "start",
        "started",
        "when",
    )

    def __init__(
        self, loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any] | None, send: Send, path: str
    ) -> None:
        self._loop = loop
        self._task = task
        self._send = send
        self._handle: asyncio.TimerHandle | None = None
        self.path = path
        self.start = loop.time()
        self.when = self.start
        self.expired = False

    def schedule(self, when: float) -> None:
        """Expire at loop time ``when`` (replacing the previous deadline)."""
        if self._handle is not None:
            self._handle.cancel()
        self.when = when
        self._handle = self._loop.call_at(when, self._expire)

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.when - self._loop.time())

    def cancel(self) -> None:
        """The request finished: the timer is not needed."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _expire(self) -> None:
        self._handle = None
        self.expired = True
        error = DeadlineExceededError("The request did not complete within its deadline")
        self._loop.create_task(_answer_late(self._send, error, self.path))
        if self._task is not None:
            self._task.cancel(msg="request deadline exceeded")


async def _answer_late(send: Send, error: DeadlineExceededError, path: str) -> None:
    # No wrapper watches the app's messages (it would cost every request a closure):
    # when the app had started its response, the server refuses this second start,
    # and the cancelled request ends without a 504, as it must.
    with contextlib.suppress(RuntimeError, OSError):
        await send_problem(send, error, path)


class DeadlineMiddleware:
    """Give each HTTP request ``seconds`` to finish (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError("a request deadline must be positive")
        self.app = app
        self._seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        state = Deadline(loop, task, send, scope["path"])
        state.schedule(state.start + self._seconds)
        scope[DEADLINE_SCOPE_KEY] = state
        try:
            await self.app(scope, receive, send)
        except asyncio.CancelledError:
            # Ours is answered already; any other cancellation (shutdown) goes on.
            if not state.expired or task is None or task.uncancel() > 0:
                raise
        finally:
            state.cancel()


def remaining_seconds(request: Request) -> float | None:
    """Seconds left before the request's deadline, or ``None`` without one."""
    state: Deadline | None = request.scope.get(DEADLINE_SCOPE_KEY)
    return None if state is None else state.remaining()


def deadline(seconds: float) -> Callable[[Request], Awaitable[None]]:
    """A dependency giving a route its own deadline, counted from the request's start.

        @app.get("/export", dependencies=[Depends(deadline(120))])

    Without the deadline layer (switched off, or a test app) it does nothing.
    """
    if seconds <= 0:
        raise ValueError("a request deadline must be positive")

    async def set_deadline(request: Request) -> None:
        # async: FastAPI runs sync dependencies in a thread, and timers are the loop's.
        state: Deadline | None = request.scope.get(DEADLINE_SCOPE_KEY)
        if state is not None and not state.expired:
            state.schedule(state.start + seconds)

    return set_deadline
