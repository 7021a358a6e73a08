"""assert_problem_response: every error is problem+json with the request's correlation id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from aurora.app import Service, create_service
from aurora.config import ServiceConfig
from aurora.errors import ConflictError
from aurora.testing import assert_problem_response
from aurora.testing.clients import TestClient


class Order(BaseModel):
    quantity: int


def orders_service() -> Service:
    config = ServiceConfig.composed().model_validate({"service": {"name": "orders"}})
    service = create_service("orders", config, configure_logging=False)

    @service.app.post("/orders")
    async def place(order: Order) -> Order:
        raise ConflictError("Order already placed", code="order_exists")

    @service.app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("bug")

    return service


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("GET", "/missing", None, 404, "not_found"),
        ("DELETE", "/orders", None, 405, "method_not_allowed"),
        ("POST", "/orders", {"quantity": "many"}, 422, "validation_failed"),
        ("POST", "/orders", {"quantity": 1}, 409, "order_exists"),
        ("GET", "/crash", None, 500, "internal_error"),
    ],
)
def test_a_service_answers_every_error_with_a_problem(
    app_client: Callable[..., TestClient],
    method: str,
    path: str,
    body: object,
    status: int,
    code: str,
) -> None:
    client = app_client(orders_service())

    response = client.request(method, path, json=body, headers={"X-Request-ID": "req-7"})

    problem = assert_problem_response(response, status, code=code, correlation_id="req-7")
    assert problem["status"] == status


def test_a_plain_json_error_is_not_a_problem(app_client: Callable[..., TestClient]) -> None:
    client = app_client(FastAPI())

    with pytest.raises(AssertionError) as failure:
        assert_problem_response(client.get("/missing"), 404)

    assert "content-type 'application/json'" in str(failure.value)
    assert "no correlation_id member" in str(failure.value)


def problem_response(status: int, body: bytes, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, content=body, headers={"content-type": "application/problem+json", **headers}
    )


BODY = b'{"type":"about:blank","title":"Not Found","status":404,"correlation_id":"abc"}'


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (problem_response(404, BODY, **{"x-request-id": "xyz"}), "differs from the x-request-id"),
        (problem_response(200, BODY), "status 200 is not an error"),
        (problem_response(410, BODY), "body status 404 differs from HTTP status 410"),
        (problem_response(404, b"<html>"), "the body is not a JSON object"),
        (problem_response(404, b'{"status":404,"correlation_id":"a"}'), "no 'title' member"),
    ],
    ids=["echoed-id-differs", "success", "status-mismatch", "not-json", "no-title"],
)
def test_each_broken_rule_is_named(response: httpx.Response, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        assert_problem_response(response)


def test_an_expected_status_code_or_id_must_match() -> None:
    response = problem_response(404, BODY)
    assert_problem_response(response, 404, correlation_id="abc")
    with pytest.raises(AssertionError, match="status 404, expected 400"):
        assert_problem_response(response, 400)
    with pytest.raises(AssertionError, match="code None, expected 'not_found'"):
        assert_problem_response(response, code="not_found")
    with pytest.raises(AssertionError, match="correlation_id 'abc', expected 'other'"):
        assert_problem_response(response, correlation_id="other")


@dataclass
class ListHeaders:
    """The shape of schemathesis' responses: header names map to lists of values."""

    status_code: int
    content: bytes
    headers: dict[str, list[str]] = field(default_factory=dict)


def test_headers_given_as_lists_are_read_too() -> None:
    response = ListHeaders(
        404, BODY, {"Content-Type": ["application/problem+json"], "X-Request-ID": ["abc"]}
    )
    assert assert_problem_response(response)["correlation_id"] == "abc"
