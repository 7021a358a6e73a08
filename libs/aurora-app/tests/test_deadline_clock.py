"""DeadlineClock: requests on one budget expire in the order they started, from one timer."""

from __future__ import annotations

import asyncio
from typing import Any

from aurora.app.middleware import Deadline, DeadlineClock


async def _request(clock: DeadlineClock, sent: list[Any], hold: float) -> Deadline:
    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    state = clock.start(send, "/slow")
    try:
        await asyncio.sleep(hold)
    except asyncio.CancelledError:
        assert state.cancelled_by_us()
    finally:
        state.cancel()
    return state


async def test_every_request_past_the_budget_expires_and_the_others_do_not() -> None:
    clock = DeadlineClock(0.05)
    sent: list[Any] = []
    slow, quick, slower = await asyncio.gather(
        _request(clock, sent, 5), _request(clock, sent, 0.01), _request(clock, sent, 5)
    )
    await asyncio.sleep(0)  # the 504 answers run in tasks of their own
    assert (slow.expired, quick.expired, slower.expired) == (True, False, True)
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [504, 504]


async def test_a_route_budget_leaves_the_shared_timer() -> None:
    clock = DeadlineClock(0.05)
    sent: list[Any] = []

    async def extended() -> Deadline:
        state = clock.start(sent.append, "/export")  # type: ignore[arg-type]
        state.schedule(state.start + 5)
        await asyncio.sleep(0.1)
        state.cancel()
        return state

    state = await extended()
    assert not state.expired
    assert sent == []


def test_a_clock_serves_one_loop_after_another() -> None:
    """Test clients run each app on loops of their own, one after the other."""
    clock = DeadlineClock(0.02)
    for _ in range(2):
        sent: list[Any] = []
        state = asyncio.run(_request(clock, sent, 1))
        assert state.expired
