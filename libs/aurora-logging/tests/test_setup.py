"""setup_logging: the fields every line carries, formats, levels, idempotency and reset."""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import structlog
from log_output import Output

from aurora.errors import AuroraError
from aurora.logging import (
    FORMAT_ENV_VAR,
    LoggingConfigError,
    get_logger,
    reset_logging,
    setup_logging,
)

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def test_json_line_carries_the_standard_fields(output: Output) -> None:
    logger = setup_logging("my-service", level="INFO", stream=output.stream)
    logger.info("Service started", port=8000)

    line = output.only()
    assert list(line)[:4] == ["timestamp", "level", "service", "event"]
    assert line["level"] == "info"
    assert line["service"] == "my-service"
    assert line["event"] == "Service started"
    assert line["port"] == 8000
    assert "correlation_id" not in line


def test_timestamp_is_utc_iso_8601_and_current(output: Output) -> None:
    setup_logging("svc", stream=output.stream).warning("tick")

    stamp = output.only()["timestamp"]
    assert ISO_UTC.match(stamp)
    parsed = datetime.fromisoformat(stamp)
    assert parsed.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - parsed) < timedelta(seconds=5)


def test_default_stream_is_stdout_at_write_time(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("svc").info("to stdout")

    captured = capsys.readouterr()
    assert '"event":"to stdout"' in captured.out
    assert captured.err == ""


@pytest.mark.parametrize("level", ["INFO", "info", " Info ", logging.INFO, "20"])
def test_level_accepts_names_and_numbers(output: Output, level: str | int) -> None:
    logger = setup_logging("svc", level=level, stream=output.stream)
    logger.debug("hidden")
    logger.info("shown")

    assert [line["event"] for line in output.lines()] == ["shown"]


def test_debug_level_lets_debug_through(output: Output) -> None:
    setup_logging("svc", level="debug", stream=output.stream).debug("details")

    assert output.only()["level"] == "debug"


@pytest.mark.parametrize(
    ("call", "level"),
    [("warning", "warning"), ("error", "error"), ("critical", "critical"), ("exception", "error")],
)
def test_level_names_are_canonical(output: Output, call: str, level: str | int) -> None:
    getattr(setup_logging("svc", stream=output.stream), call)("x")

    assert output.only()["level"] == level


def test_level_introspection_follows_the_configuration() -> None:
    logger = setup_logging("svc", level="INFO", stream=io.StringIO())
    assert logger.is_enabled_for(logging.INFO)
    assert not logger.is_enabled_for(logging.DEBUG)

    setup_logging("svc", level="DEBUG", stream=io.StringIO())
    assert logger.is_enabled_for(logging.DEBUG)
    assert logger.get_effective_level() == logging.DEBUG


def test_exception_traceback_is_rendered_into_the_line(output: Output) -> None:
    logger = setup_logging("svc", stream=output.stream)
    try:
        raise ZeroDivisionError("boom")
    except ZeroDivisionError:
        logger.exception("division failed")

    line = output.only()
    assert line["level"] == "error"
    assert line["exception"].startswith("Traceback (most recent call last):")
    assert "ZeroDivisionError: boom" in line["exception"]


def test_values_json_cannot_encode_do_not_break_logging(output: Output) -> None:
    class Opaque:
        def __repr__(self) -> str:
            return "<opaque>"

    logger = setup_logging("svc", stream=output.stream)
    logger.info("odd values", thing=Opaque(), tags={"b", "a"}, by_id={1: "one"}, huge=2**70)

    line = output.only()
    assert line["thing"] == "<opaque>"
    assert sorted(line["tags"]) == ["a", "b"]
    assert line["by_id"] == {"1": "one"}
    assert line["huge"] == 2**70


def test_structlog_contextvars_are_merged(output: Output) -> None:
    logger = setup_logging("svc", stream=output.stream)

    with structlog.contextvars.bound_contextvars(tenant="t-9"):
        logger.info("scoped")
    logger.info("unscoped")

    scoped, unscoped = output.lines()
    assert scoped["tenant"] == "t-9"
    assert "tenant" not in unscoped


def test_get_logger_binds_the_component_name(output: Output) -> None:
    setup_logging("svc", stream=output.stream)
    get_logger("aurora.orders").info("placed")

    assert output.only()["logger"] == "aurora.orders"


def test_same_arguments_again_change_nothing(output: Output) -> None:
    setup_logging("svc", stream=output.stream)
    processors = structlog.get_config()["processors"]
    handlers = list(logging.getLogger().handlers)

    logger = setup_logging("svc", stream=output.stream)
    logger.info("once")

    assert structlog.get_config()["processors"] is processors
    assert logging.getLogger().handlers == handlers
    logging.getLogger("lib").warning("stdlib once")
    assert [line["event"] for line in output.lines()] == ["once", "stdlib once"]


def test_new_arguments_reconfigure_loggers_created_earlier(output: Output) -> None:
    early = get_logger("early")  # module-level style: created before any configuration
    setup_logging("first", level="WARNING", stream=io.StringIO())
    early.warning("cached now")

    setup_logging("second", level="DEBUG", stream=output.stream)
    early.debug("after reconfigure")

    line = output.only()
    assert line["service"] == "second"
    assert line["event"] == "after reconfigure"
    assert line["logger"] == "early"


def test_console_format_is_readable_not_json(output: Output) -> None:
    logger = setup_logging("svc", fmt="console", stream=output.stream)
    logger.info("user signed in", user_id=7)

    text = output.text
    assert not text.lstrip().startswith("{")
    assert "user signed in" in text
    assert "user_id=7" in text
    assert "service=svc" in text
    assert "\x1b[" not in text  # not a terminal: no colours


def test_console_format_renders_exceptions(output: Output) -> None:
    logger = setup_logging("svc", fmt="console", stream=output.stream)
    try:
        raise KeyError("missing")
    except KeyError:
        logger.exception("lookup failed")

    assert "lookup failed" in output.text
    assert "KeyError" in output.text


@pytest.mark.parametrize(("env", "json_expected"), [("console", False), ("JSON", True), ("", True)])
def test_format_comes_from_the_environment_when_not_given(
    output: Output, monkeypatch: pytest.MonkeyPatch, env: str, json_expected: bool
) -> None:
    monkeypatch.setenv(FORMAT_ENV_VAR, env)
    setup_logging("svc", stream=output.stream).info("hello")

    assert output.text.startswith("{") is json_expected


def test_explicit_format_beats_the_environment(
    output: Output, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FORMAT_ENV_VAR, "console")
    setup_logging("svc", fmt="json", stream=output.stream).info("hello")

    assert output.only()["event"] == "hello"


@pytest.mark.parametrize(
    "kwargs", [{"level": "LOUD"}, {"level": "3.5"}, {"fmt": "xml"}], ids=["level", "float", "fmt"]
)
def test_unknown_settings_are_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(LoggingConfigError) as caught:
        setup_logging("svc", **kwargs)

    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, AuroraError)
    assert caught.value.code == "logging_config_invalid"


def test_bad_format_in_environment_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FORMAT_ENV_VAR, "yaml")

    with pytest.raises(LoggingConfigError, match=FORMAT_ENV_VAR):
        setup_logging("svc")


def test_reset_restores_structlog_defaults_and_stdlib(output: Output) -> None:
    root = logging.getLogger()
    before_handlers, before_level = list(root.handlers), root.level
    uvicorn_access = logging.getLogger("uvicorn.access")
    uvicorn_access.propagate = False
    try:
        setup_logging("svc", level="DEBUG", stream=output.stream)
        assert root.level == logging.DEBUG
        assert logging.getLogger("uvicorn.access").propagate is True

        reset_logging()

        assert root.handlers == before_handlers
        assert root.level == before_level
        assert uvicorn_access.propagate is False
        assert structlog.get_config()["cache_logger_on_first_use"] is False
        assert not structlog.is_configured()
    finally:
        uvicorn_access.propagate = True


def test_reset_stops_stdlib_routing(output: Output) -> None:
    setup_logging("svc", stream=output.stream)
    reset_logging()

    logging.getLogger("lib").warning("after reset")

    assert output.text == ""


def test_setup_after_reset_configures_again(output: Output) -> None:
    setup_logging("svc", stream=io.StringIO())
    reset_logging()
    setup_logging("svc", stream=output.stream).info("back")

    assert output.only()["event"] == "back"
