"""In-process clients for a service, with its lifespan run around them.

A service's startup hooks open what its routes need (engines, relays,
consumers), so a client that skips the lifespan tests a service that never
runs in production. Both clients here run startup on entry and shutdown on
exit, and take a :class:`~aurora.app.Service` or any ASGI app::

    with open_app_client(service) as client:               # Starlette's TestClient (sync)
        client.post("/subjects", json={"name": "Math"})

    async with open_async_app_client(service) as client:  # httpx.AsyncClient (async tests)
        await client.post("/subjects", json={"name": "Math"})

The async client drives the app on the test's own event loop (httpx's
``ASGITransport`` + asgi-lifespan's ``LifespanManager``), so async fixtures and
the app share one loop; the sync one runs it in a portal thread.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Any, TypeAlias

import httpx
from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp

if TYPE_CHECKING:
    from aurora.app import Service

with warnings.catch_warnings():
    # Starlette 1.x asks for the `httpx2` fork, which the lockfile does not carry; the
    # warning fires once, at import, and would fail collection under `-W error`
    # (plugin.pytest_configure does the same for suites that import it themselves).
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

__all__ = [
    "DEFAULT_BASE_URL",
    "AppTarget",
    "TestClient",
    "asgi_app",
    "open_app_client",
    "open_async_app_client",
]

DEFAULT_BASE_URL = "http://testserver"

AppTarget: TypeAlias = "Service | ASGIApp"
"""What the clients and servers accept: a service or a bare ASGI app."""


def asgi_app(target: AppTarget) -> ASGIApp:
    """The ASGI app behind ``target``: a service's ``app``, or ``target`` itself.

    An ASGI app is a callable and a ``Service`` is not, which spares importing
    aurora-app to tell them apart.
    """
    if callable(target):
        return target
    app: ASGIApp = target.app
    return app


@contextmanager
def open_app_client(
    target: AppTarget,
    *,
    base_url: str = DEFAULT_BASE_URL,
    raise_server_exceptions: bool = False,
    **options: Any,
) -> Iterator[TestClient]:
    """A started ``TestClient`` for ``target``; lifespan startup ran, shutdown runs on exit.

    Args:
        target: The service or ASGI app.
        base_url: Base URL of requests.
        raise_server_exceptions: Re-raise unhandled errors in the test instead of
            returning the 500 a client would see. Off by default: the 500 problem
            response is part of the contract under test.
        **options: More ``TestClient`` arguments (``headers=``, ``cookies=``...).
    """
    client = TestClient(
        asgi_app(target),
        base_url=base_url,
        raise_server_exceptions=raise_server_exceptions,
        **options,
    )
    with client:
        yield client


@asynccontextmanager
async def open_async_app_client(
    target: AppTarget,
    *,
    base_url: str = DEFAULT_BASE_URL,
    startup_timeout: float = 10.0,
    shutdown_timeout: float = 10.0,
    raise_app_exceptions: bool = False,
    **options: Any,
) -> AsyncIterator[httpx.AsyncClient]:
    """An ``httpx.AsyncClient`` wired to ``target`` in process, inside its lifespan.

    Args:
        target: The service or ASGI app.
        base_url: Base URL of requests.
        startup_timeout: Seconds the startup hooks may take.
        shutdown_timeout: Seconds the shutdown hooks may take.
        raise_app_exceptions: Re-raise unhandled errors instead of returning the 500.
        **options: More ``httpx.AsyncClient`` arguments (``headers=``, ``timeout=``...).
    """
    async with LifespanManager(
        asgi_app(target), startup_timeout=startup_timeout, shutdown_timeout=shutdown_timeout
    ) as manager:
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=raise_app_exceptions)
        async with httpx.AsyncClient(transport=transport, base_url=base_url, **options) as client:
            yield client
