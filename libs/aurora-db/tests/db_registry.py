"""The engine registry the database tests configure: one service, its settings given."""

from __future__ import annotations

from typing import Any

from aurora.db import DatabaseSettings, EngineRegistry

SERVICE = "subject-service"
CURSOR_SECRET = "test-cursor-secret"


def make_registry(url: str, **options: Any) -> EngineRegistry:
    registry = EngineRegistry()
    settings = DatabaseSettings.model_validate({"url": url, "cursor_secret": CURSOR_SECRET})
    registry.configure(SERVICE, settings, **options)
    return registry
