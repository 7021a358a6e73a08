"""LogCapture: assertions over the JSON lines aurora.logging would have written."""

from __future__ import annotations

import json

import pytest

from aurora.app import create_service
from aurora.config import ServiceConfig
from aurora.logging import bind_correlation_id, get_logger
from aurora.testing import LogCapture, capture_log_lines
from aurora.testing.clients import TestClient


def test_assert_logged_matches_event_level_and_fields(logs: LogCapture) -> None:
    with bind_correlation_id("req-1"):
        get_logger("orders").info("order_placed", order_id=7, totals={"net": 10, "tax": 2})

    line = logs.assert_logged("order_placed", level="info", order_id=7, totals={"net": 10})

    assert line["correlation_id"] == "req-1" and line["logger"] == "orders"
    logs.assert_logged(correlation_id="req-1", count=1)


def test_a_missing_line_fails_listing_what_was_logged(logs: LogCapture) -> None:
    get_logger().warning("disk_low")

    with pytest.raises(AssertionError, match="found 0; logged: warning:disk_low"):
        logs.assert_logged("disk_low", level="error")


def test_assert_not_logged(logs: LogCapture) -> None:
    get_logger().info("fine")

    logs.assert_not_logged(level="error")
    with pytest.raises(AssertionError, match="expected no log event"):
        logs.assert_not_logged("fine")


def test_secrets_are_masked_in_what_is_captured(logs: LogCapture) -> None:
    get_logger().info("login", user="ada", password="hunter2")

    assert logs.assert_logged("login")["password"] == "***"
    assert "hunter2" not in "".join(logs.lines)


def test_lines_are_the_json_objects_a_collector_would_parse(logs: LogCapture) -> None:
    get_logger().info("one", n=1)
    get_logger().info("two", n=2)

    assert [json.loads(line)["n"] for line in logs.lines] == [1, 2]
    assert len(logs) == 2
    logs.clear()
    assert logs.events == []


def test_a_service_request_is_logged_with_its_correlation_id() -> None:
    config = ServiceConfig.composed().model_validate({"service": {"name": "orders"}})
    service = create_service("orders", config, configure_logging=False)

    with capture_log_lines() as logs, TestClient(service.app) as client:
        response = client.get("/nowhere", headers={"X-Request-ID": "req-42"})

    assert response.status_code == 404
    logs.assert_logged("request", status=404, method="GET", correlation_id="req-42")
