"""Stage 7: every request has a deadline; past it the client gets a 504 and the work is cancelled.

A request blocked on a sick dependency (a frozen database, an upstream that
accepts and never answers) would otherwise hold its client, its task and its
pool connection for as long as the dependency stays sick. Here a timer fires at
the deadline (one loop timer shared by all requests, see :class:`DeadlineClock`)
and:

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
from threading import get_ident
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from aurora.app._problems import send_problem
from aurora.errors import DeadlineExceededError

__all__ = [
    "DEADLINE_SCOPE_KEY",
    "Deadline",
    "DeadlineClock",
    "DeadlineMiddleware",
    "deadline",
    "remaining_seconds",
]

DEADLINE_SCOPE_KEY = "aurora.deadline"


class Deadline:
    """The deadline of one request: when it expires, and what happens then."""

    __slots__ = (
        "_answer",
        "_clock",
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
        self,
        loop: asyncio.AbstractEventLoop,
        task: asyncio.Task[Any] | None,
        send: Send,
        path: str,
        clock: DeadlineClock | None = None,
        budget: float = 0.0,
    ) -> None:
        self._loop = loop
        self._task = task
        self._send = send
        self._handle: asyncio.TimerHandle | None = None
        self._clock = clock
        self._answer: asyncio.Task[None] | None = None
        self.path = path
        self.start = start = loop.time()
        self.when = start + budget  # the clock's budget; schedule() sets another
        self.expired = False

    def schedule(self, when: float) -> None:
        """Expire at loop time ``when`` (replacing the previous deadline)."""
        self._leave_clock()
        if self._handle is not None:
            self._handle.cancel()
        self.when = when
        self._handle = self._loop.call_at(when, self._expire)

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.when - self._loop.time())

    def cancel(self) -> None:
        """The request finished: the timer is not needed.

        It also lets go of the request's task and ``send``: the scope holds this
        object, and the server's request object holds the scope and is what ``send``
        and the task's coroutine are bound to. Kept, those references make each
        request a reference cycle that only the cyclic collector frees: served, that
        garbage (about 30 objects a request) cost more than the whole stack.
        """
        clock = self._clock
        if clock is not None:  # _leave_clock() inlined: this runs for every request
            self._clock = None
            clock._pending.pop(self, None)
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._task = None
        self._send = _sent

    def cancelled_by_us(self) -> bool:
        """Whether a ``CancelledError`` the request raised is this deadline's (its 504 is on the way).

        Any other cancellation (shutdown) must go on.
        """
        task = self._task
        return self.expired and task is not None and task.uncancel() == 0

    async def answered(self) -> None:
        """Wait until the 504 is sent: the work may unwind before that task ran."""
        if self._answer is not None:
            await self._answer

    def _leave_clock(self) -> None:
        if self._clock is not None:
            self._clock.forget(self)
            self._clock = None

    def _expire(self) -> None:
        self._handle = None
        self._clock = None
        self.expired = True
        error = DeadlineExceededError("The request did not complete within its deadline")
        self._answer = self._loop.create_task(_answer_late(self._send, error, self.path))
        if self._task is not None:
            self._task.cancel(msg="request deadline exceeded")


class DeadlineClock:
    """One loop timer for every request on the default budget, instead of one each.

    Requests sharing a budget expire in the order they started, so they queue in an
    insertion-ordered dict and one timer, armed for the oldest, serves them all: a
    request costs a dict insert and a delete, not a heap push and a cancelled
    timer left in the loop's heap. A request whose route sets its own budget
    (:func:`deadline`) leaves the queue for a timer of its own.
    """

    __slots__ = ("_handle", "_loop", "_pending", "_thread", "seconds")

    def __init__(self, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError("a request deadline must be positive")
        self.seconds = seconds
        self._pending: dict[Deadline, None] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = 0
        self._handle: asyncio.TimerHandle | None = None

    def start(self, send: Send, path: str) -> Deadline:
        """The running request's deadline, ``seconds`` from now."""
        # The loop of the last request, checked by its thread and its running task:
        # asyncio.get_running_loop() costs more than the rest of this method.
        loop = self._loop
        task = asyncio.current_task(loop) if get_ident() == self._thread and loop else None
        if task is None:
            loop = asyncio.get_running_loop()
            task = asyncio.current_task(loop)
        assert loop is not None
        if loop is not self._loop and not self._adopt(loop):
            state = Deadline(loop, task, send, path)  # a second loop at once: a timer of its own
            state.schedule(state.start + self.seconds)
            return state
        state = Deadline(loop, task, send, path, self, self.seconds)
        self._pending[state] = None
        if self._handle is None:
            self._handle = loop.call_at(state.when, self._fire)
        return state

    def forget(self, state: Deadline) -> None:
        """``state`` finished or took a budget of its own."""
        self._pending.pop(state, None)

    def _adopt(self, loop: asyncio.AbstractEventLoop) -> bool:
        if self._loop is not None and not self._loop.is_closed() and self._pending:
            return False
        if self._handle is not None:
            self._handle.cancel()
        self._loop, self._pending, self._handle = loop, {}, None
        self._thread = get_ident()
        return True

    def _fire(self) -> None:
        self._handle = None
        assert self._loop is not None
        now = self._loop.time()
        pending = self._pending
        while pending:
            state = next(iter(pending))
            if state.when > now:
                self._handle = self._loop.call_at(state.when, self._fire)
                return
            del pending[state]
            state._expire()


async def _sent(message: Any) -> None:
    """The ``send`` of a finished request's deadline: nothing can be sent any more."""
    raise RuntimeError("the request has finished")


async def _answer_late(send: Send, error: DeadlineExceededError, path: str) -> None:
    # No wrapper watches the app's messages (it would cost every request a closure):
    # when the app had started its response, the server refuses this second start,
    # and the cancelled request ends without a 504, as it must.
    with contextlib.suppress(RuntimeError, OSError):
        await send_problem(send, error, path)


class DeadlineMiddleware:
    """Give each HTTP request ``seconds`` to finish (see the module docstring).

    ``create_service`` runs the same logic inside ``ServiceMiddleware`` (one frame
    fewer); this layer is for apps assembling their own stack.
    """

    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self._clock = DeadlineClock(seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = self._clock.start(send, scope["path"])
        scope[DEADLINE_SCOPE_KEY] = state
        try:
            await self.app(scope, receive, send)
        except asyncio.CancelledError:
            if not state.cancelled_by_us():
                raise
            await state.answered()
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
