"""aurora.logging.testing.capture_logs: events as dicts, from the real pipeline."""

from __future__ import annotations

import logging

import structlog
from log_output import Output

from aurora.logging import bind_correlation_id, get_logger, log_event, setup_logging
from aurora.logging.testing import capture_logs


def test_captures_events_with_the_standard_fields_and_writes_nothing(output: Output) -> None:
    logger = setup_logging("orders", stream=output.stream)

    with capture_logs() as events, bind_correlation_id("req-1"):
        log_event(logger, "order_placed", {"order_id": 5})

    assert len(events) == 1
    event = events[0]
    assert event["event"] == "order_placed"
    assert event["order_id"] == 5
    assert event["service"] == "orders"
    assert event["level"] == "info"
    assert event["correlation_id"] == "req-1"
    assert "timestamp" in event
    assert output.text == ""


def test_captured_events_are_redacted(output: Output) -> None:
    logger = setup_logging("svc", stream=output.stream)

    with capture_logs() as events:
        logger.info("login", password="pw-123456")

    assert events[0]["password"] == "***"


def test_captures_stdlib_records(output: Output) -> None:
    setup_logging("svc", stream=output.stream)

    with capture_logs() as events:
        logging.getLogger("uvicorn.error").warning("slow startup")

    assert [(e["logger"], e["event"], e["level"]) for e in events] == [
        ("uvicorn.error", "slow startup", "warning")
    ]


def test_output_resumes_after_the_block(output: Output) -> None:
    logger = setup_logging("svc", stream=output.stream)

    with capture_logs():
        logger.info("captured")
    logger.info("written")

    assert output.only()["event"] == "written"


def test_works_without_setup_and_leaves_logging_unconfigured() -> None:
    logger = get_logger("module")

    with capture_logs() as events:
        logger.debug("early detail")

    assert events[0]["event"] == "early detail"
    assert events[0]["service"] == "test"
    assert events[0]["logger"] == "module"
    assert not structlog.is_configured()


def test_capture_survives_setup_logging_inside_the_block(output: Output) -> None:
    with capture_logs() as events:
        logger = setup_logging("booting", level="INFO", stream=output.stream)
        logger.info("started")

    assert [e["event"] for e in events] == ["started"]
    assert events[0]["service"] == "booting"
    assert output.text == ""


def test_nested_captures_see_only_their_own_events(output: Output) -> None:
    logger = setup_logging("svc", stream=output.stream)

    with capture_logs() as outer:
        logger.info("one")
        with capture_logs() as inner:
            logger.info("two")
        logger.info("three")

    assert [e["event"] for e in outer] == ["one", "three"]
    assert [e["event"] for e in inner] == ["two"]
