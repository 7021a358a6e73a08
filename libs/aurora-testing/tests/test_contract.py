"""assert_openapi_contract: schemathesis against the live app, plus the problem+json rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import pytest
from fastapi import Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from aurora.app import Principal, Service, create_service, require_scopes
from aurora.config import ServiceConfig
from aurora.errors import BadRequestError, NotFoundError
from aurora.testing import TokenFactory, assert_openapi_contract
from aurora.testing.contract import OPERATIONAL_PATHS


class Order(BaseModel):
    item: str = Field(min_length=1, max_length=20)
    quantity: int = Field(ge=1, le=100)


class Stored(Order):
    id: int


def orders_service(**security: object) -> Service:
    config = ServiceConfig.composed().model_validate(
        {"service": {"name": "orders"}, "security": security}
    )
    service = create_service("orders", config, configure_logging=False, request_logging=False)
    orders: dict[int, Stored] = {}

    @service.app.post("/orders", status_code=201)
    async def place(order: Order) -> Stored:
        stored = Stored(id=len(orders) + 1, **order.model_dump())
        orders[stored.id] = stored
        return stored

    @service.app.get("/orders/{order_id}")
    async def fetch(order_id: int) -> Stored:
        if order_id not in orders:
            raise NotFoundError("Order", order_id)
        return orders[order_id]

    return service


def test_a_service_that_keeps_its_document_passes() -> None:
    report = assert_openapi_contract(orders_service(), max_examples=5)

    probes = {f"GET {path}" for path in OPERATIONAL_PATHS}
    assert report.operations == sorted({"GET /orders/{order_id}", "POST /orders", *probes})
    assert report.statuses["POST /orders"][201] > 0  # valid requests
    assert report.statuses["POST /orders"][422] > 0  # invalid ones, rejected as problems
    assert report.statuses["GET /health/ready"][200] > 0  # health+json, as documented
    assert report.calls >= 10
    assert report.excluded == ()


def test_probes_can_be_left_out() -> None:
    report = assert_openapi_contract(
        orders_service(), max_examples=2, negative=False, exclude_paths=OPERATIONAL_PATHS
    )

    assert report.operations == ["GET /orders/{order_id}", "POST /orders"]
    assert set(report.excluded) == {f"GET {path}" for path in OPERATIONAL_PATHS}


def _with_opaque_cursor(service: Service) -> Service:
    @service.app.get("/pages")
    async def pages(after: str | None = None) -> list[int]:
        if after is not None and after != "c1":
            raise BadRequestError("The pagination cursor is invalid", code="invalid_cursor")
        return [1, 2]

    return service


def test_an_undocumented_status_fails_unless_accepted_for_the_operation() -> None:
    with pytest.raises(AssertionError) as failure:
        assert_openapi_contract(_with_opaque_cursor(orders_service()), max_examples=5)
    assert "GET /pages (positive requests)" in str(failure.value)

    report = assert_openapi_contract(
        _with_opaque_cursor(orders_service()),
        max_examples=5,
        accept_statuses={"GET /pages": [400]},
    )
    assert report.statuses["GET /pages"][400] > 0


def test_an_accepted_error_status_must_still_be_a_problem() -> None:
    service = orders_service()

    @service.app.get("/broken")
    async def broken() -> JSONResponse:
        return JSONResponse({"error": "nope"}, status_code=400)

    with pytest.raises(AssertionError) as failure:
        assert_openapi_contract(
            service, max_examples=2, negative=False, accept_statuses={"GET /broken": {400}}
        )
    assert "expected application/problem+json" in str(failure.value)


def test_operations_can_be_excluded_by_label() -> None:
    service = _with_opaque_cursor(orders_service())

    report = assert_openapi_contract(
        service, max_examples=2, negative=False, exclude_operations={"GET /pages"}
    )

    assert "GET /pages" not in report.operations
    assert report.excluded == ("GET /pages",)


def test_naming_an_operation_the_document_lacks_fails() -> None:
    with pytest.raises(AssertionError, match="no such operation"):
        assert_openapi_contract(
            orders_service(), max_examples=1, negative=False, exclude_operations={"GET /nope"}
        )


def test_a_response_that_breaks_its_schema_fails_with_a_reproduction() -> None:
    service = orders_service()

    @service.app.get("/orders/{order_id}/summary", response_model=Order)
    async def summary(order_id: int) -> JSONResponse:
        return JSONResponse({"item": "pen", "quantity": "a dozen"})  # bypasses the model

    with pytest.raises(AssertionError) as failure:
        assert_openapi_contract(service, max_examples=3, negative=False)

    message = str(failure.value)
    assert "GET /orders/{order_id}/summary (positive requests)" in message
    assert "Response violates schema" in message and "curl -X GET" in message
    assert "POST /orders" not in message


def test_an_error_that_is_not_a_problem_fails() -> None:
    service = orders_service()

    @service.app.delete(
        "/orders/{order_id}",
        status_code=204,
        responses={409: {"description": "Shipped", "content": {"application/json": {}}}},
    )
    async def cancel(order_id: int) -> JSONResponse:
        return JSONResponse({"error": "already shipped"}, status_code=409)

    with pytest.raises(AssertionError) as failure:
        assert_openapi_contract(service, max_examples=3, negative=False)

    message = str(failure.value)
    assert "DELETE /orders/{order_id}" in message
    assert "content-type 'application/json', expected application/problem+json" in message


def test_a_running_service_is_checked_by_url(live_server: Callable[..., str]) -> None:
    base_url = live_server(orders_service())

    report = assert_openapi_contract(base_url + "/", max_examples=3, negative=False)

    assert report.base_url == base_url and report.calls >= 6


def test_headers_reach_operations_that_need_a_token() -> None:
    tokens = TokenFactory.hs256()
    service = orders_service(**tokens.security)

    @service.app.get("/me")
    async def me(principal: Annotated[Principal, Depends(require_scopes("orders:read"))]) -> str:
        return principal.subject

    with_token = assert_openapi_contract(
        service, max_examples=2, negative=False, headers=tokens.headers("orders:read")
    )
    without = assert_openapi_contract(service, max_examples=2, negative=False)

    assert set(with_token.statuses["GET /me"]) == {200}
    assert set(without.statuses["GET /me"]) == {401}  # documented, and a problem
