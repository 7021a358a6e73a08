"""Lifecycle hooks: order, sync and async, decorators, failures, draining."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from aurora.app import Service
from aurora.logging.testing import capture_logs

MakeService = Callable[..., Service]


def test_hooks_run_in_order_and_shutdown_in_reverse(make_service: MakeService) -> None:
    service = make_service()
    calls: list[str] = []

    @service.on_startup
    async def open_db() -> None:
        calls.append("open db")

    @service.on_startup
    def open_http() -> None:
        calls.append("open http")

    @service.on_shutdown
    async def close_db() -> None:
        calls.append("close db")

    @service.on_shutdown
    def close_http() -> None:
        calls.append("close http")

    with TestClient(service.app):
        assert calls == ["open db", "open http"]
    assert calls == ["open db", "open http", "close http", "close db"]


def test_decorators_return_the_function(make_service: MakeService) -> None:
    service = make_service()

    def hook() -> None:
        pass

    assert service.on_startup(hook) is hook
    assert service.on_shutdown(hook) is hook


def test_a_failing_shutdown_hook_does_not_stop_the_others(make_service: MakeService) -> None:
    service = make_service()
    calls: list[str] = []

    @service.on_shutdown
    def last() -> None:
        calls.append("last")

    @service.on_shutdown
    def broken() -> None:
        raise RuntimeError("close failed")

    with capture_logs() as events, TestClient(service.app):
        pass
    assert calls == ["last"]
    assert [event["hook"] for event in events if event["event"] == "shutdown_hook_failed"] == [
        "test_a_failing_shutdown_hook_does_not_stop_the_others.<locals>.broken"
    ]


def test_a_stuck_shutdown_hook_is_abandoned_after_its_timeout(make_service: MakeService) -> None:
    service = make_service(shutdown_timeout=0.05)
    calls: list[str] = []

    @service.on_shutdown
    def after() -> None:
        calls.append("after")

    @service.on_shutdown
    async def stuck() -> None:
        await asyncio.sleep(10)

    with capture_logs() as events, TestClient(service.app):
        pass
    assert calls == ["after"]
    assert any(event["event"] == "shutdown_hook_timed_out" for event in events)


def test_a_failing_startup_hook_releases_resources_and_fails_startup(
    make_service: MakeService,
) -> None:
    service = make_service()
    calls: list[str] = []

    @service.on_startup
    def broken() -> None:
        raise ConnectionError("database down")

    @service.on_shutdown
    def release() -> None:
        calls.append("released")

    with capture_logs() as events, pytest.raises(ConnectionError), TestClient(service.app):
        pass
    assert calls == ["released"]
    assert any(event["event"] == "startup_failed" for event in events)


def test_shutdown_drains_before_running_hooks(make_service: MakeService) -> None:
    service = make_service()
    seen: list[tuple[bool, int]] = []

    @service.on_shutdown
    async def check_readiness() -> None:
        seen.append((service.draining, 0))

    with TestClient(service.app) as client:
        assert not service.draining
        assert client.get("/health/ready").status_code == 200
    assert seen == [(True, 0)]
    assert service.draining


def test_a_restarted_app_is_ready_again(make_service: MakeService) -> None:
    service = make_service()
    with TestClient(service.app):
        pass
    assert service.draining
    with TestClient(service.app) as client:
        assert client.get("/health/ready").status_code == 200


def test_access_log_is_flushed_on_shutdown(make_service: MakeService) -> None:
    service = make_service()
    with capture_logs() as events, TestClient(service.app) as client:
        client.get("/anything", headers={"X-Request-ID": "last-words"})
    assert any(event.get("correlation_id") == "last-words" for event in events)
