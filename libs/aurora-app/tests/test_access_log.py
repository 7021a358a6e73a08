"""One access-log line per request: template, status, duration, client, correlation id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from aurora.app import Service
from aurora.app.middleware import AccessLog
from aurora.logging.testing import capture_logs

MakeService = Callable[..., Service]


@pytest.fixture()
def client(make_service: MakeService) -> TestClient:
    app = make_service(request_log_headers=["User-Agent", "Authorization", "Cookie"]).app

    @app.get("/subjects/{subject_id}")
    async def get_subject(subject_id: str) -> dict[str, str]:
        return {"id": subject_id}

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("boom")

    return TestClient(app)


def access_lines(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [event for event in events if event.get("event") == "request"]


def test_one_line_per_request_with_route_template(client: TestClient) -> None:
    with capture_logs() as events:
        client.get("/subjects/42", headers={"X-Request-ID": "log-1"})
    [line] = access_lines(events)
    assert line["method"] == "GET"
    assert line["route"] == "/subjects/{subject_id}"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert line["client"] == "testclient"
    assert line["correlation_id"] == "log-1"
    assert line["level"] == "info"
    assert line["logger"] == "aurora.app.access"


def test_raw_path_is_not_logged(client: TestClient) -> None:
    with capture_logs() as events:
        client.get("/subjects/ann@example.com")
    [line] = access_lines(events)
    assert "ann@example.com" not in str(line)


def test_server_errors_are_logged_as_warnings_with_status_500(client: TestClient) -> None:
    with capture_logs() as events:
        client.get("/crash")
    [line] = access_lines(events)
    assert line["status"] == 500
    assert line["level"] == "warning"


def test_unmatched_requests_share_one_route_label(client: TestClient) -> None:
    with capture_logs() as events:
        client.get("/no/such/thing")
    assert access_lines(events)[0]["route"] == "<unmatched>"


@pytest.mark.parametrize("path", ["/health/live", "/health/ready", "/health", "/info", "/metrics"])
def test_probes_and_metrics_are_not_logged(client: TestClient, path: str) -> None:
    with capture_logs() as events:
        client.get(path)
    assert access_lines(events) == []


def test_credentials_are_never_logged(client: TestClient) -> None:
    headers = {"Authorization": "Bearer eyJhbGciOi.secret.token", "Cookie": "session=s3cr3t"}
    with capture_logs() as events:
        client.get("/subjects/1", headers={**headers, "User-Agent": "pytest-agent"})
    [line] = access_lines(events)
    assert line["headers"]["user-agent"] == "pytest-agent"
    assert "eyJhbGciOi" not in str(line)
    assert "s3cr3t" not in str(line)


def test_headers_are_not_logged_unless_allow_listed(make_service: MakeService) -> None:
    client = TestClient(make_service().app)
    with capture_logs() as events:
        client.get("/health/live/x", headers={"User-Agent": "agent-x"})
    [line] = access_lines(events)
    assert "headers" not in line
    assert "agent-x" not in str(line)


def test_request_logging_can_be_switched_off(make_service: MakeService) -> None:
    client = TestClient(make_service(request_logging=False).app)
    with capture_logs() as events:
        client.get("/anything")
    assert access_lines(events) == []


def test_lines_wait_at_most_for_the_batch_size() -> None:
    """Outside an event loop nothing would flush later, so each line is written at once."""
    log = AccessLog(batch_size=2)
    scope = {"method": "GET", "client": ("10.0.0.1", 1), "headers": []}
    with capture_logs() as events:
        log.emit(scope, "/a", 200, 0.001, "c-1")
        log.emit(scope, "/b", 201, 0.002, "c-2")
    assert [(line["route"], line["correlation_id"]) for line in events] == [
        ("/a", "c-1"),
        ("/b", "c-2"),
    ]


async def test_lines_are_written_when_the_loop_is_free() -> None:
    import asyncio

    log = AccessLog(batch_size=100)
    scope: dict[str, Any] = {"method": "GET", "client": None, "headers": []}
    with capture_logs() as events:
        log.emit(scope, "/a", 200, 0.001, None)
        log.emit(scope, "/b", 200, 0.001, None)
        assert events == []
        await asyncio.sleep(0)
        assert [line["route"] for line in events] == ["/a", "/b"]
        assert "correlation_id" not in events[0]


def test_written_lines_match_the_captured_ones() -> None:
    """Written lines take aurora.logging's fast path; captured ones the regular pipeline."""
    import io
    import json

    from aurora.logging import setup_logging

    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
    scope: dict[str, Any] = {
        "method": "GET",
        "client": ("10.0.0.1", 1),
        "headers": [(b"authorization", b"Bearer abcdefghijk"), (b"user-agent", b"agent")],
    }
    stream = io.StringIO()
    setup_logging("written", fmt="json", stream=stream)
    log = AccessLog(headers=["Authorization", "User-Agent"], batch_size=1)
    log.emit(scope, "/a", 200, 0.0015, "c-1")
    log.emit(scope, "/b", 503, 0.002, jwt)
    with capture_logs() as captured:
        log.emit(scope, "/a", 200, 0.0015, "c-1")
        log.emit(scope, "/b", 503, 0.002, jwt)
    written = [json.loads(line) for line in stream.getvalue().splitlines()]
    for line in (*written, *captured):
        line.pop("timestamp")
    assert written == captured
    assert [list(line) for line in written] == [list(line) for line in captured]
    assert written[0] == {
        "level": "info",
        "service": "written",
        "event": "request",
        "correlation_id": "c-1",
        "logger": "aurora.app.access",
        "method": "GET",
        "route": "/a",
        "status": 200,
        "duration_ms": 1.5,
        "client": "10.0.0.1",
        "headers": {"authorization": "***", "user-agent": "agent"},  # by key, too
    }
    assert written[1]["level"] == "warning"
    assert jwt not in stream.getvalue()
