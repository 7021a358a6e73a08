"""The engine registry the database tests configure: one service, no config files."""

from __future__ import annotations

from typing import Any

from aurora.db import EngineRegistry
from aurora.db._settings import DatabaseTarget

SERVICE = "subject-service"
CURSOR_SECRET = "test-cursor-secret"


def _no_config(service_name: str) -> DatabaseTarget:
    raise AssertionError(f"{service_name} was not configured in this test")


def make_registry(url: str, **options: Any) -> EngineRegistry:
    registry = EngineRegistry(target_loader=_no_config, secret_loader=lambda _: None)
    registry.configure(SERVICE, url, cursor_key=CURSOR_SECRET, **options)
    return registry
