"""Serve a service the way ``main()`` does (bounded protocol, no uvicorn proxy trust), for tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aurora.app import Service, server_options
from aurora.testing.server import LiveServer

__all__ = ["serving"]


@contextmanager
def serving(service: Service) -> Iterator[str]:
    """The service under uvicorn with Aurora's server options; yields the base URL."""
    options = server_options(service.settings)
    options["log_level"] = "error"
    with LiveServer(service.app, **options) as url:
        yield url
