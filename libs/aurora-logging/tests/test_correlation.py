"""Correlation ids on a contextvar: binding, restoring, and surviving task and thread hops."""

from __future__ import annotations

import asyncio
import contextvars
import uuid
from concurrent.futures import ThreadPoolExecutor

from log_output import Output

from aurora.logging import (
    bind_correlation_id,
    correlation_id_var,
    get_correlation_id,
    get_logger,
    new_correlation_id,
    setup_logging,
)


def test_no_id_is_bound_by_default() -> None:
    assert get_correlation_id() is None


def test_new_correlation_id_is_a_fresh_uuid_and_not_bound() -> None:
    first, second = new_correlation_id(), new_correlation_id()

    assert first != second
    assert uuid.UUID(first).version == 4
    assert get_correlation_id() is None


def test_bind_yields_and_binds_the_given_id() -> None:
    with bind_correlation_id("abc-123") as cid:
        assert cid == "abc-123"
        assert get_correlation_id() == "abc-123"
    assert get_correlation_id() is None


def test_the_variable_set_directly_is_the_bound_id_of_every_line(output: Output) -> None:
    setup_logging("svc", fmt="json", stream=output.stream)
    token = correlation_id_var.set("set-directly")
    try:
        assert get_correlation_id() == "set-directly"
        get_logger("t").info("inside")
    finally:
        correlation_id_var.reset(token)
    assert get_correlation_id() is None
    assert output.lines()[-1]["correlation_id"] == "set-directly"


def test_bind_without_a_value_generates_one() -> None:
    for value in (None, ""):
        with bind_correlation_id(value) as cid:
            assert uuid.UUID(cid)
            assert get_correlation_id() == cid


def test_nested_binds_restore_the_outer_id() -> None:
    with bind_correlation_id("outer"):
        with bind_correlation_id("inner"):
            assert get_correlation_id() == "inner"
        assert get_correlation_id() == "outer"


def test_the_previous_id_is_restored_when_the_block_raises() -> None:
    try:
        with bind_correlation_id("outer"), bind_correlation_id("failing"):
            raise LookupError
    except LookupError:
        pass
    assert get_correlation_id() is None


async def test_async_with_binds_and_restores() -> None:
    async with bind_correlation_id("async-1") as cid:
        assert cid == get_correlation_id() == "async-1"
    assert get_correlation_id() is None


async def test_id_survives_create_task_even_after_the_block_exits() -> None:
    started, release = asyncio.Event(), asyncio.Event()

    async def worker() -> str | None:
        started.set()
        await release.wait()
        return get_correlation_id()

    with bind_correlation_id("req-1"):
        task = asyncio.create_task(worker())
        await started.wait()
    assert get_correlation_id() is None
    release.set()

    assert await task == "req-1"


async def test_concurrent_tasks_keep_their_own_ids() -> None:
    async def handle(request_id: str) -> tuple[str, str | None]:
        with bind_correlation_id(request_id):
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            return request_id, get_correlation_id()

    results = await asyncio.gather(*(handle(f"req-{n}") for n in range(20)))

    assert all(expected == seen for expected, seen in results)


async def test_id_survives_asyncio_to_thread() -> None:
    with bind_correlation_id("req-thread"):
        assert await asyncio.to_thread(get_correlation_id) == "req-thread"


def test_id_survives_a_thread_pool_hop_with_copy_context() -> None:
    with ThreadPoolExecutor(max_workers=1) as pool, bind_correlation_id("req-pool"):
        context = contextvars.copy_context()
        assert pool.submit(context.run, get_correlation_id).result() == "req-pool"
        # A bare submit does not carry context: the reason copy_context is needed.
        assert pool.submit(get_correlation_id).result() is None


async def test_log_lines_in_a_task_and_a_thread_carry_the_id(output: Output) -> None:
    logger = setup_logging("svc", stream=output.stream)

    async def in_task() -> None:
        logger.info("from task")

    with bind_correlation_id("req-7"):
        logger.info("from handler")
        await asyncio.create_task(in_task())
        await asyncio.to_thread(logger.info, "from thread")

    assert [(line["event"], line["correlation_id"]) for line in output.lines()] == [
        ("from handler", "req-7"),
        ("from task", "req-7"),
        ("from thread", "req-7"),
    ]
