"""The standard library's loggers, uvicorn's included, come out through the same pipeline."""

from __future__ import annotations

import io
import logging
import logging.config
import sys

import httpx
import pytest
from log_output import Output
from starlette.types import Receive, Scope, Send
from uvicorn.config import LOGGING_CONFIG

from aurora.logging import bind_correlation_id, reset_logging, setup_logging
from aurora.testing.server import run_server


def test_stdlib_logger_is_routed_with_the_standard_fields(output: Output) -> None:
    setup_logging("svc", stream=output.stream)

    logging.getLogger("sqlalchemy.engine").warning("pool %s exhausted", "main")

    line = output.only()
    assert line["event"] == "pool main exhausted"
    assert line["logger"] == "sqlalchemy.engine"
    assert line["level"] == "warning"
    assert line["service"] == "svc"
    assert line["timestamp"].endswith("Z")


def test_stdlib_records_below_the_level_are_dropped(output: Output) -> None:
    setup_logging("svc", level="WARNING", stream=output.stream)

    logging.getLogger("lib").info("chatter")
    logging.getLogger("lib").error("problem")

    assert [line["event"] for line in output.lines()] == ["problem"]


def test_stdlib_extra_fields_and_correlation_id_are_kept(output: Output) -> None:
    setup_logging("svc", stream=output.stream)

    with bind_correlation_id("req-42"):
        logging.getLogger("lib").info("charged", extra={"order_id": 9})

    line = output.only()
    assert line["order_id"] == 9
    assert line["correlation_id"] == "req-42"


def test_stdlib_exception_is_rendered(output: Output) -> None:
    setup_logging("svc", stream=output.stream)
    try:
        raise RuntimeError("db down")
    except RuntimeError:
        logging.getLogger("lib").exception("query failed")

    line = output.only()
    assert line["level"] == "error"
    assert "RuntimeError: db down" in line["exception"]


@pytest.mark.parametrize("name", ["uvicorn", "uvicorn.error", "uvicorn.access"])
def test_uvicorn_loggers_are_taken_over_from_uvicorns_own_config(
    output: Output, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """uvicorn's dictConfig (the `uvicorn app:app` CLI path) gives its loggers console handlers."""
    logging.config.dictConfig(LOGGING_CONFIG)
    try:
        setup_logging("svc", stream=output.stream)

        logging.getLogger(name).info("from uvicorn")

        line = output.only()
        assert line["logger"] == name
        assert line["event"] == "from uvicorn"
        assert "color_message" not in line
        assert capsys.readouterr().err == ""
    finally:
        reset_logging()
        for logger_name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            logging.getLogger(logger_name).handlers.clear()


def test_real_uvicorn_server_logs_through_the_pipeline(output: Output) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    setup_logging("svc", stream=output.stream)
    with run_server(app, access_log=True, log_level="info", lifespan="off") as url:
        assert httpx.get(f"{url}/ping").status_code == 204

    lines = output.lines()
    access = [line for line in lines if line.get("logger") == "uvicorn.access"]
    assert len(access) == 1
    assert "GET /ping" in access[0]["event"]
    assert "204" in access[0]["event"]
    assert access[0]["service"] == "svc"
    assert any(line.get("logger") == "uvicorn.error" for line in lines)


def test_basic_config_console_handler_is_replaced_then_restored(output: Output) -> None:
    root = logging.getLogger()
    console = logging.StreamHandler(sys.stderr)
    root.addHandler(console)
    try:
        setup_logging("svc", stream=output.stream)
        assert console not in root.handlers

        reset_logging()
        assert console in root.handlers
    finally:
        root.removeHandler(console)


def test_other_root_handlers_are_left_alone(
    output: Output, caplog: pytest.LogCaptureFixture
) -> None:
    setup_logging("svc", stream=output.stream)

    logging.getLogger("lib").warning("seen twice")

    assert output.only()["event"] == "seen twice"
    assert [record.getMessage() for record in caplog.records] == ["seen twice"]


def test_structlog_and_stdlib_lines_share_one_stream_in_order(output: Output) -> None:
    logger = setup_logging("svc", stream=output.stream)

    logger.info("first")
    logging.getLogger("lib").info("second")
    logger.info("third")

    assert [line["event"] for line in output.lines()] == ["first", "second", "third"]


def test_a_closed_stream_does_not_raise_from_the_log_call(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stream = io.StringIO()
    logger = setup_logging("svc", stream=stream)
    stream.close()

    logger.info("into the void")
    logging.getLogger("lib").info("stdlib into the void")

    assert "ValueError" in capsys.readouterr().err
