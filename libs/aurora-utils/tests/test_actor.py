"""The current actor: per context, restored after ``acting_as``, isolated between tasks."""

from __future__ import annotations

import asyncio
import contextvars

from aurora.utils import acting_as, current_actor, set_current_actor


def test_nobody_acts_by_default() -> None:
    assert current_actor() is None


def test_acting_as_restores_the_previous_actor() -> None:
    with acting_as("alice"):
        with acting_as("bob"):
            assert current_actor() == "bob"
        assert current_actor() == "alice"
    assert current_actor() is None


def test_set_current_actor_stays_inside_its_context() -> None:
    def request() -> str | None:
        set_current_actor("carol")
        return current_actor()

    assert contextvars.copy_context().run(request) == "carol"
    assert current_actor() is None


async def test_concurrent_tasks_see_their_own_actor() -> None:
    async def handle(name: str) -> str | None:
        set_current_actor(name)
        await asyncio.sleep(0)
        return current_actor()

    assert await asyncio.gather(handle("a"), handle("b")) == ["a", "b"]
    assert current_actor() is None
