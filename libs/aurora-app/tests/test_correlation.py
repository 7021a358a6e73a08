"""Correlation ids: accepted when sane, generated otherwise, echoed on every response."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel
from starlette.testclient import TestClient

from aurora.app import Service
from aurora.app.middleware import CorrelationIds
from aurora.logging import get_correlation_id
from aurora.logging.testing import capture_logs

MakeService = Callable[..., Service]


class Payload(BaseModel):
    value: int


@pytest.fixture()
def client(make_service: MakeService) -> TestClient:
    app = make_service().app

    @app.get("/ok")
    async def ok() -> dict[str, str | None]:
        return {"bound": get_correlation_id()}

    @app.get("/sync")
    def sync_ok() -> dict[str, str | None]:
        return {"bound": get_correlation_id()}

    @app.post("/validate")
    async def validate(payload: Payload) -> Payload:
        return payload

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    return TestClient(app)


REQUESTS = [
    ("GET", "/ok", 200),
    ("GET", "/missing", 404),
    ("POST", "/validate", 422),
    ("GET", "/boom", 500),
]


@pytest.mark.parametrize(("method", "path", "status"), REQUESTS)
def test_incoming_request_id_is_echoed_on_every_status(
    client: TestClient, method: str, path: str, status: int
) -> None:
    response = client.request(method, path, headers={"X-Request-ID": "req-123.abc"}, json={})
    assert response.status_code == status
    assert response.headers["x-request-id"] == "req-123.abc"


@pytest.mark.parametrize(("method", "path", "status"), REQUESTS)
def test_generated_id_is_echoed_and_matches_the_problem_body(
    client: TestClient, method: str, path: str, status: int
) -> None:
    response = client.request(method, path, json={})
    assert response.status_code == status
    generated = response.headers["x-request-id"]
    assert len(generated) >= 16
    if status >= 400:
        assert response.json()["correlation_id"] == generated


def test_correlation_id_header_is_accepted_too(client: TestClient) -> None:
    response = client.get("/ok", headers={"X-Correlation-ID": "from-gateway"})
    assert response.headers["x-request-id"] == "from-gateway"
    assert response.json() == {"bound": "from-gateway"}


def test_request_id_wins_over_correlation_id(client: TestClient) -> None:
    headers = {"X-Correlation-ID": "second", "X-Request-ID": "first"}
    assert client.get("/ok", headers=headers).headers["x-request-id"] == "first"


@pytest.mark.parametrize(
    "bad", ["has space", "x" * 129, "line\nbreak", 'quote"', "", "emoji-\u00e9"]
)
def test_invalid_ids_are_replaced(client: TestClient, bad: str) -> None:
    response = client.get("/ok", headers=[("X-Request-ID", bad.encode("utf-8"))])
    assert response.headers["x-request-id"] != bad
    assert response.json()["bound"] == response.headers["x-request-id"]


def test_id_is_bound_for_sync_routes_and_logs(client: TestClient) -> None:
    with capture_logs() as events:
        response = client.get("/sync", headers={"X-Request-ID": "sync-1"})
    assert response.json() == {"bound": "sync-1"}
    access = [event for event in events if event["event"] == "request"]
    assert access[0]["correlation_id"] == "sync-1"


def test_id_is_unbound_after_the_request(client: TestClient) -> None:
    client.get("/ok", headers={"X-Request-ID": "leak-check"})
    assert get_correlation_id() is None


def test_custom_header_name(make_service: MakeService) -> None:
    app = make_service(correlation_header="X-Trace").app
    response = TestClient(app).get("/health/live", headers={"X-Trace": "t-1"})
    assert response.headers["x-trace"] == "t-1"
    assert "x-request-id" not in response.headers


@given(st.binary(max_size=200))
def test_any_header_value_yields_a_safe_id(value: bytes) -> None:
    """Whatever a client sends, the bound id is short and free of control or quote characters."""
    text, raw = CorrelationIds().resolve({b"x-request-id": value})
    assert raw == text.encode("latin-1")
    assert 1 <= len(text) <= 128
    assert all(ch.isalnum() or ch in "._:+/=-" for ch in text)
    assert text.isascii()
    if text != value.decode("latin-1"):
        assert len(text) == 32  # replaced by a generated id


@given(st.from_regex(r"[A-Za-z0-9._:+/=-]{1,128}", fullmatch=True))
def test_valid_ids_are_kept_verbatim(value: str) -> None:
    assert CorrelationIds().resolve({b"x-correlation-id": value.encode()}) == (
        value,
        value.encode(),
    )
