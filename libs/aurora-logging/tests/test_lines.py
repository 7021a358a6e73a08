"""LineWriter: the fast path writes exactly the line a bound logger would."""

from __future__ import annotations

import io
import json
import logging
import sys
from typing import Any

import structlog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from log_output import Output

from aurora.logging import (
    REDACTED,
    LineWriter,
    bind_correlation_id,
    get_logger,
    reset_logging,
    setup_logging,
)
from aurora.logging.testing import capture_logs

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV"
ACCESS = {"method": "GET", "route": "/subjects/{id}", "status": 200, "duration_ms": 1.25}


def both_ways(
    output: Output, level: str, fields: dict[str, Any], *, trusted: tuple[str, ...] = ()
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The line a bound logger writes and the one a LineWriter writes, minus timestamps."""
    getattr(get_logger("access"), level)("request", **fields)
    LineWriter("request", logger="access", trusted=trusted).write(level, fields)
    slow, fast = output.lines()[-2:]
    assert list(slow) == list(fast)  # same keys in the same order
    slow.pop("timestamp")
    fast.pop("timestamp")
    return slow, fast


def test_writes_the_line_a_logger_would(output: Output) -> None:
    setup_logging("orders", stream=output.stream)
    with bind_correlation_id("req-1"):
        slow, fast = both_ways(output, "info", {**ACCESS, "client": "10.0.0.1"})
    assert fast == slow
    assert fast == {
        "level": "info",
        "service": "orders",
        "event": "request",
        "correlation_id": "req-1",
        "logger": "access",
        **ACCESS,
        "client": "10.0.0.1",
    }


def test_level_names_and_filtering(output: Output) -> None:
    setup_logging("orders", "WARNING", stream=output.stream)
    writer = LineWriter("request")
    writer.write_many([("info", ACCESS), ("warning", ACCESS), ("debug", ACCESS), ("err", ACCESS)])
    assert [line["level"] for line in output.lines()] == ["warning", "error"]
    assert not writer.is_enabled_for("info")
    assert writer.is_enabled_for("critical")


def test_timestamp_is_utc_iso(output: Output) -> None:
    setup_logging("orders", stream=output.stream)
    LineWriter("request").write("info", ACCESS)
    timestamp = output.only()["timestamp"]
    assert len(timestamp) == len("2026-11-26T09:15:02.123456Z")
    assert timestamp[10] == "T"
    assert timestamp.endswith("Z")


def test_explicit_correlation_id_wins_and_is_scanned(output: Output) -> None:
    setup_logging("orders", stream=output.stream)
    with bind_correlation_id("bound"):
        slow, fast = both_ways(output, "info", {**ACCESS, "correlation_id": "given"})
        assert fast == slow
        assert fast["correlation_id"] == "given"
        slow, fast = both_ways(output, "info", {**ACCESS, "correlation_id": JWT})
    assert fast == slow
    assert fast["correlation_id"] == REDACTED


def test_secrets_are_masked_by_key_and_value(output: Output) -> None:
    setup_logging("orders", stream=output.stream, redact_keys=["ssn"])
    fields = {
        **ACCESS,
        "client": "https://ann:hunter2@example.com",
        "headers": {"authorization": "Bearer abcdefghijkl", "user-agent": "curl"},
        "ssn_last4": "1234",
        "note": f"token {JWT}",
    }
    slow, fast = both_ways(output, "info", fields)
    assert fast == slow
    assert "hunter2" not in output.text
    assert JWT not in output.text
    assert fast["ssn_last4"] == REDACTED
    assert fast["headers"]["authorization"] == REDACTED


def test_trusted_fields_skip_the_value_scan_but_not_the_key_rules(output: Output) -> None:
    setup_logging("orders", stream=output.stream)
    LineWriter("request", trusted=["route", "token"]).write(
        "info", {"route": "/users/{email}@x", "token": "abc"}
    )
    line = output.only()
    assert line["route"] == "/users/{email}@x"
    assert line["token"] == REDACTED


def test_redact_false_writes_values_as_given(output: Output) -> None:
    setup_logging("orders", stream=output.stream, redact=False)
    slow, fast = both_ways(output, "info", {"password": "p", "note": f"Bearer {JWT}"})
    assert fast == slow
    assert fast["password"] == "p"


def test_standard_fields_win_over_same_named_fields(output: Output) -> None:
    setup_logging("orders", stream=output.stream)
    slow, fast = both_ways(output, "info", {"service": "spoofed", "level": "debug", "x": 1})
    assert fast == slow
    assert fast["service"] == "orders"


def test_odd_values_never_fail(output: Output) -> None:
    setup_logging("orders", stream=output.stream)
    slow, fast = both_ways(output, "info", {"big": 2**70, "tags": {"b", "a"}, "obj": object})
    assert fast == slow


def test_follows_reconfiguration(output: Output) -> None:
    writer = LineWriter("request")
    setup_logging("first", stream=output.stream)
    writer.write("info", {"password": "p"})
    other = io.StringIO()
    setup_logging("second", stream=other, redact=False)
    writer.write("info", {"password": "p"})
    assert output.only()["service"] == "first"
    assert output.only()["password"] == REDACTED
    assert json.loads(other.getvalue()) | {"timestamp": ""} == {
        "timestamp": "",
        "level": "info",
        "service": "second",
        "event": "request",
        "password": "p",
    }


def test_a_batch_is_one_write(output: Output) -> None:
    setup_logging("orders", stream=output.stream)
    LineWriter("request").write_many([("info", {"n": n}) for n in range(3)])
    assert [line["n"] for line in output.lines()] == [0, 1, 2]
    assert output.text.count("\n") == 3


def test_capture_logs_sees_the_same_events() -> None:
    with capture_logs() as events, bind_correlation_id("cap-1"):
        LineWriter("request", logger="access").write("warning", {**ACCESS, "status": 503})
    [event] = events
    assert event["event"] == "request"
    assert event["level"] == "warning"
    assert event["correlation_id"] == "cap-1"
    assert event["logger"] == "access"
    assert event["status"] == 503


def test_console_format_goes_through_the_renderer() -> None:
    stream = io.StringIO()
    setup_logging("orders", fmt="console", stream=stream)
    LineWriter("request").write("info", ACCESS)
    assert "request" in stream.getvalue()
    assert "/subjects/{id}" in stream.getvalue()


def test_exc_info_is_rendered_by_the_pipeline(output: Output) -> None:
    setup_logging("orders", stream=output.stream)
    try:
        raise ValueError("boom")
    except ValueError:
        LineWriter("request").write("error", {"exc_info": sys.exc_info()})
    assert "ValueError: boom" in output.only()["exception"]


def test_structlog_contextvars_are_merged(output: Output) -> None:
    setup_logging("orders", stream=output.stream)
    with structlog.contextvars.bound_contextvars(tenant="acme", route="ignored", secret="s"):
        slow, fast = both_ways(output, "info", ACCESS)
    assert fast == slow
    assert fast["tenant"] == "acme"
    assert fast["route"] == ACCESS["route"]
    assert fast["secret"] == REDACTED


def test_before_setup_it_uses_structlog_as_configured(capsys: Any) -> None:
    reset_logging()
    LineWriter("request").write("info", {"n": 1})
    assert "request" in capsys.readouterr().out


def test_repr_names_the_event() -> None:
    assert repr(LineWriter("request", logger="access")) == "LineWriter('request', logger='access')"


_KEYS = st.sampled_from(["method", "client", "password", "x-api-key", "note", "n", "nested"])
_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.sampled_from([JWT, "Bearer abcdefghijk", "pg://u:pw@db", "plain", "ann@example.com"])
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["token", "k", "cookie"]), inner, max_size=3),
    max_leaves=8,
)


@settings(
    max_examples=150,
    deadline=None,
    # Generating nested secret-bearing fields is slow on a loaded machine; the property, not
    # the speed of generation, is under test.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(fields=st.dictionaries(_KEYS, _VALUES, max_size=6), level=st.sampled_from(["info", "error"]))
def test_any_fields_render_as_the_logger_renders_them(
    output: Output, fields: dict[str, Any], level: str
) -> None:
    setup_logging("orders", logging.DEBUG, stream=output.stream)
    slow, fast = both_ways(output, level, fields)
    assert fast == slow
