"""The app clients run the service's lifespan; the live server serves it on a real port."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from aurora.app import Service, create_service
from aurora.config import ServiceConfig
from aurora.testing import open_app_client, open_async_app_client
from aurora.testing.clients import TestClient


def service_with_hooks(calls: list[str]) -> Service:
    config = ServiceConfig.composed().model_validate({"service": {"name": "hooks"}})
    service = create_service("hooks", config, configure_logging=False)
    service.on_startup(lambda: calls.append("startup"))
    service.on_shutdown(lambda: calls.append("shutdown"))

    @service.app.get("/loop")
    async def loop() -> int:
        return id(asyncio.get_running_loop())

    return service


def test_the_sync_client_runs_startup_before_requests_and_shutdown_after() -> None:
    calls: list[str] = []
    with open_app_client(service_with_hooks(calls)) as client:
        assert calls == ["startup"]
        assert client.get("/health/ready").status_code == 200
    assert calls == ["startup", "shutdown"]


def test_the_app_client_fixture_keeps_the_client_open_for_the_test(
    app_client: Callable[..., TestClient],
) -> None:
    calls: list[str] = []
    first = app_client(service_with_hooks(calls))
    second = app_client(service_with_hooks(calls))
    assert calls == ["startup", "startup"]
    assert first.get("/health/live").status_code == second.get("/health/live").status_code == 200


async def test_the_async_client_runs_the_app_on_the_tests_loop() -> None:
    calls: list[str] = []
    async with open_async_app_client(service_with_hooks(calls)) as client:
        assert calls == ["startup"]
        response = await client.get("/loop")
        assert response.json() == id(asyncio.get_running_loop())
    assert calls == ["startup", "shutdown"]


async def test_the_async_fixture_accepts_a_bare_asgi_app(
    async_app_client: Callable[..., Awaitable[httpx.AsyncClient]],
) -> None:
    app = Starlette(routes=[Route("/", lambda request: PlainTextResponse("plain"))])
    client = await async_app_client(app)
    assert (await client.get("/")).text == "plain"


async def test_unhandled_errors_come_back_as_the_500_a_client_sees(
    async_app_client: Callable[..., Awaitable[httpx.AsyncClient]],
) -> None:
    service = service_with_hooks([])

    @service.app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("bug")

    client = await async_app_client(service)
    response = await client.get("/crash")
    assert response.status_code == 500
    assert "bug" not in response.text


def test_live_server_serves_on_a_free_loopback_port(live_server: Callable[..., str]) -> None:
    calls: list[str] = []
    first = live_server(service_with_hooks(calls))
    second = live_server(service_with_hooks(calls))

    assert first != second and first.startswith("http://127.0.0.1:")
    assert httpx.get(f"{first}/health/live").json() == {"status": "pass"}
    assert httpx.get(f"{second}/health/live").status_code == 200
    assert calls == ["startup", "startup"]
