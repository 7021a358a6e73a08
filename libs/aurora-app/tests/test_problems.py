"""Every error leaves as application/problem+json with the right status and code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import pytest
from fastapi import HTTPException, Query
from pydantic import BaseModel
from starlette.testclient import TestClient

from aurora.app import Service
from aurora.errors import (
    AuroraError,
    BadRequestError,
    ConflictError,
    DeadlineExceededError,
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    ServiceUnavailableError,
    UnauthorizedError,
    UpstreamError,
    ValidationError,
)
from aurora.logging.testing import capture_logs

MakeService = Callable[..., Service]

PROBLEM = "application/problem+json"


class Item(BaseModel):
    name: str
    quantity: int


ERRORS: list[tuple[AuroraError, int, str]] = [
    (BadRequestError("bad"), 400, "bad_request"),
    (
        ValidationError("nope", details=[{"field": "name", "message": "required"}]),
        422,
        "validation_failed",
    ),
    (UnauthorizedError(), 401, "unauthorized"),
    (ForbiddenError(), 403, "forbidden"),
    (NotFoundError("Subject", "123"), 404, "not_found"),
    (ConflictError("duplicate"), 409, "conflict"),
    (PayloadTooLargeError("big"), 413, "payload_too_large"),
    (RateLimitedError(retry_after=7), 429, "rate_limited"),
    (UpstreamError(service="billing", upstream_status=500), 502, "upstream_error"),
    (ServiceUnavailableError(retry_after=3), 503, "service_unavailable"),
    (DeadlineExceededError(), 504, "deadline_exceeded"),
    (AuroraError("custom", code="teapot", status=418, title="I'm a teapot"), 418, "teapot"),
]


@pytest.fixture()
def client(make_service: MakeService) -> TestClient:
    service = make_service()
    app = service.app
    raised: dict[str, AuroraError] = {str(i): error for i, (error, _, _) in enumerate(ERRORS)}

    @app.get("/raise/{index}")
    async def raise_error(index: str) -> None:
        raise raised[index]

    @app.get("/http/{status}")
    async def http_error(status: int) -> None:
        raise HTTPException(status, detail="custom detail", headers={"X-Extra": "1"})

    @app.post("/items")
    async def create_item(item: Item, limit: Annotated[int, Query(ge=1)] = 10) -> Item:
        return item

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("database password is hunter2")

    return TestClient(app)


@pytest.mark.parametrize(
    ("index", "status", "code"), [(str(i), s, c) for i, (_, s, c) in enumerate(ERRORS)]
)
def test_aurora_errors_become_problems_with_their_status_and_code(
    client: TestClient, index: str, status: int, code: str
) -> None:
    response = client.get(f"/raise/{index}")
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:aurora:problem:{code}"
    assert body["instance"] == f"/raise/{index}"
    assert body["correlation_id"] == response.headers["x-request-id"]


def test_not_found_error_carries_its_context(client: TestClient) -> None:
    body = client.get("/raise/4").json()
    assert body["resource"] == "Subject"
    assert body["id"] == "123"
    assert body["detail"] == "Subject '123' not found"


@pytest.mark.parametrize(("index", "retry_after"), [("7", "7"), ("9", "3")])
def test_retryable_errors_set_retry_after(client: TestClient, index: str, retry_after: str) -> None:
    assert client.get(f"/raise/{index}").headers["retry-after"] == retry_after


def test_http_exception_becomes_a_problem_keeping_its_headers(client: TestClient) -> None:
    response = client.get("/http/409")
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["x-extra"] == "1"
    assert response.json()["detail"] == "custom detail"
    assert response.json()["code"] == "conflict"


def test_unknown_route_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "not_found"
    assert "detail" not in response.json()


def test_wrong_method_is_a_405_problem_with_allow(client: TestClient) -> None:
    response = client.delete("/items")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["allow"] == "POST"
    assert response.json()["code"] == "method_not_allowed"


def test_request_validation_is_a_422_with_json_pointers(client: TestClient) -> None:
    response = client.post(
        "/items?limit=0", json={"name": "pen", "quantity": "many", "password": "s3"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    pointers = {error["pointer"] for error in body["errors"]}
    assert pointers == {"#/body/quantity", "#/query/limit"}
    assert all(error["detail"] and error["code"] for error in body["errors"])
    assert "many" not in response.text  # rejected input is never echoed


def test_unexpected_exception_is_a_generic_500_without_internals(client: TestClient) -> None:
    with capture_logs() as events:
        response = client.get("/crash")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["code"] == "internal_error"
    assert body["title"] == "Internal Server Error"
    for leaked in ("hunter2", "RuntimeError", "Traceback", "database"):
        assert leaked not in response.text
    errors = [event for event in events if event["event"] == "unhandled_exception"]
    assert len(errors) == 1
    assert errors[0]["error_type"] == "RuntimeError"
    assert "Traceback" in errors[0]["exception"]
    assert errors[0]["correlation_id"] == body["correlation_id"]


def test_error_handling_can_be_switched_off(make_service: MakeService) -> None:
    app = make_service(error_handling=False).app
    response = TestClient(app).get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
