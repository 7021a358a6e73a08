"""Every 5xx is diagnosable from the log; error answers stay small and exact."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from aurora.app import Service
from aurora.errors import AuroraError
from aurora.logging.testing import capture_logs

MakeService = Callable[..., Service]


class _DriverError(Exception):
    pass


def test_a_5xx_error_is_logged_once_with_its_cause_and_hidden_from_the_client(
    make_service: MakeService,
) -> None:
    service = make_service()

    @service.app.get("/broken")
    async def broken() -> None:
        try:
            raise _DriverError("NUL byte in 'secret-column'")
        except _DriverError as exc:
            raise AuroraError("A database operation failed", code="database_error") from exc

    with capture_logs() as events, TestClient(service.app) as client:
        response = client.get("/broken", headers={"X-Request-ID": "diag-1"})
    assert response.status_code == 500
    assert "secret-column" not in response.text
    reports = [event for event in events if event["event"] == "server_error"]
    assert len(reports) == 1
    assert reports[0]["code"] == "database_error"
    assert reports[0]["cause_type"] == "_DriverError"
    assert reports[0]["correlation_id"] == "diag-1"


def test_the_422_error_list_is_capped(make_service: MakeService) -> None:
    service = make_service()

    @service.app.post("/items")
    async def items(payload: dict[str, int]) -> dict[str, int]:
        return payload

    body: dict[str, Any] = {f"k{n}": "not-a-number" for n in range(500)}
    with TestClient(service.app) as client:
        response = client.post("/items", json=body)
    assert response.status_code == 422
    assert len(response.json()["errors"]) == 100
    assert "500 errors" in response.json()["detail"]


def test_allow_lists_every_method_of_the_path(make_service: MakeService) -> None:
    service = make_service()

    @service.app.get("/things")
    async def list_things() -> list[str]:
        return []

    @service.app.post("/things")
    async def add_thing() -> list[str]:
        return []

    with TestClient(service.app) as client:
        response = client.delete("/things")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
