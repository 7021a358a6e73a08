"""What the catalog's tests share besides fixtures: subjects as subject-service shapes them."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

CatalogWaiter = Callable[[Callable[[list[dict[str, Any]]], bool]], Awaitable[list[dict[str, Any]]]]
"""The ``wait_for_catalog`` fixture: ``await wait(lambda items: ...)`` returns the items."""


def new_subject(**fields: Any) -> dict[str, Any]:
    """A subject as subject-service serves it (and carries it in its events)."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "code": "MATH-101",
        "name": "Mathematics",
        "description": None,
        "version": 1,
        "created_at": "2026-11-26T10:00:00Z",
        "updated_at": "2026-11-26T10:00:00Z",
    }
    return {**body, **fields}
