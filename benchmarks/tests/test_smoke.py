"""The benchmark scripts run and report plausible figures, at a few percent of their size.

Nothing else runs them: a driver whose signature changed once left
``tracing_overhead.py`` crashing, then reading microseconds as requests per second.
So each test checks that its script prints every row, and that the figures are of
the unit the column names (bounds a unit mix-up would cross by a factor of a
thousand) and keep the order that must hold between them (a bare call is cheaper
than a guarded one). The scripts that need PostgreSQL, Redis or NATS use the
shared test servers.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from aurora.testing.process import child_env

BENCHMARKS = Path(__file__).resolve().parents[1]
NUMBER = r"[+-]?\d[\d,]*(?:\.\d+)?"


def run_benchmark(script: str, *args: str) -> str:
    """``script``'s output at 2% of its size; the test fails if it exits non-zero."""
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        env=child_env({"AURORA_BENCH_SCALE": "0.02"}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def number(text: str) -> float:
    return float(text.replace(",", ""))


def test_tracing_overhead_reports_request_rates_for_every_setting() -> None:
    output = run_benchmark("tracing_overhead.py")
    row = re.compile(r"^\| tracing (.+?) \| (.+?) \| ([\d,]+) \| ([\d.]+)x \|$", re.MULTILINE)
    rows = {(setting, app): number(rate) for setting, app, rate, _ in row.findall(output)}
    assert {setting for setting, _ in rows} == {
        "off",
        "on",
        "sampled 5%",
        "on, stock SDK export",
        "on, no span processor",
    }
    assert ("on", "FastAPI native telemetry") in rows
    # Rates, not microseconds: even a traced request takes well under a millisecond.
    assert all(rate > 1_000 for rate in rows.values()), rows
    assert re.search(r"one server-like span: [\d.]+ us alone", output)
    assert re.search(r"aurora-telemetry's pipeline [\d.]+ us", output)


BREAKER_VARIANTS = {
    "sync: bare function": None,
    "sync: breaker.call": "sync: bare function",
    "sync: @breaker": "sync: bare function",
    "sync: acquire/record_success": "sync: bare function",
    "async: bare await": None,
    "async: breaker.call_async": "async: bare await",
    "ids: uuid.uuid4()": None,
    "ids: uuid7()": "ids: uuid.uuid4()",
    "ids: generate_uuid7()": "ids: uuid.uuid4()",
}


def test_utils_breaker_reports_microseconds_per_call_for_every_variant() -> None:
    output = run_benchmark("utils_breaker.py")
    row = re.compile(
        rf"^\| (.+?) \| ({NUMBER}) µs \| ({NUMBER})x \| (?:({NUMBER}) µs)? \|$", re.MULTILINE
    )
    rows = {name: (number(us), extra) for name, us, _, extra in row.findall(output)}
    assert rows.keys() == BREAKER_VARIANTS.keys()
    # Microseconds, not nanoseconds: a guarded call costs a few, never a hundred.
    assert all(0 < us < 100 for us, _ in rows.values()), rows
    for name, baseline in BREAKER_VARIANTS.items():
        us, extra = rows[name]
        if baseline is None:
            assert extra == "", name
        else:
            assert number(extra) == pytest.approx(us - rows[baseline][0], abs=0.01), name
    assert rows["sync: breaker.call"][0] > rows["sync: bare function"][0]
    assert re.search(r"^[\d,]+ calls per round, best of \d+ rounds$", output, re.MULTILINE)


JWT_PATHS = (
    "HS256 static, previous path",
    "HS256 static, verify()",
    "HS256 static, await averify()",
    "RS256 static PEM, previous path",
    "RS256 static PEM, verify()",
    "RS256 JWKS by kid, await averify()",
    "ES256 JWKS by kid, await averify()",
)


def test_jwt_verify_reports_microseconds_per_verification_for_every_path() -> None:
    output = run_benchmark("jwt_verify.py")
    us = {name: number(value) for name, value in re.findall(r"^(\S.*?) +([\d.]+)$", output, re.M)}
    assert tuple(us) == JWT_PATHS
    # Microseconds: a verification is CPU work of tens to hundreds, never 10 ms.
    assert all(0 < value < 10_000 for value in us.values()), us
    summary = re.search(
        rf"static HS256: ({NUMBER}) µs against the previous path .*"
        rf"JWKS RS256: ({NUMBER}) µs against the previous static RS256, "
        rf"({NUMBER}) µs against today's",
        output,
    )
    assert summary, output
    jwks = us["RS256 JWKS by kid, await averify()"]
    expected = (
        us["HS256 static, await averify()"] - us["HS256 static, previous path"],
        jwks - us["RS256 static PEM, previous path"],
        jwks - us["RS256 static PEM, verify()"],
    )
    assert [number(delta) for delta in summary.groups()] == pytest.approx(expected, abs=0.02)


LOGGING_PIPELINES = (
    "bare structlog JSONRenderer (baseline)",
    "aurora json (defaults, redaction on)",
    "aurora json, redact=False",
    "aurora json, lazy proxy (logger made before setup)",
    "aurora LineWriter, one line per write",
    "aurora LineWriter, bursts of 64 (access log)",
    "aurora, stdlib record (uvicorn.access)",
    "aurora, debug call below INFO",
)


def test_logging_overhead_reports_microseconds_per_line_for_every_pipeline() -> None:
    output = run_benchmark("logging_overhead.py")
    row = re.compile(r"^\| (.+?) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+)x \|$", re.MULTILINE)
    rows = {name: (number(best), number(median)) for name, best, median, _ in row.findall(output)}
    assert tuple(rows) == LOGGING_PIPELINES
    # Microseconds: a JSON line costs tens, not thousands (nanoseconds) or zero (seconds).
    assert all(0 < best <= median < 1_000 for best, median in rows.values()), rows
    assert rows["aurora, debug call below INFO"][0] < rows[LOGGING_PIPELINES[0]][0]
    assert re.search(r", \d+ lines x \d+ runs$", output, re.MULTILINE)


HTTP_SCENARIOS = (
    "in-memory transport, sequential (client CPU only)",
    "sequential",
    "50 concurrent, pool 100",
    "50 concurrent, pool 10",
)


def test_http_client_reports_request_rates_for_every_scenario() -> None:
    output = run_benchmark("http_client.py")
    row = re.compile(
        rf"^\| (.+?) \| ([\d,]+) \| ([\d,]+) \| ([\d.]+)x \| ({NUMBER}) µs \|$", re.MULTILINE
    )
    rows = {name: (number(raw), number(ours)) for name, raw, ours, _, _ in row.findall(output)}
    assert tuple(rows) == HTTP_SCENARIOS
    assert all(10 < rate < 1_000_000 for rates in rows.values() for rate in rates), rows
    # Rates, not microseconds per call: without the network hop, calls come faster.
    in_memory, served = rows[HTTP_SCENARIOS[0]], rows["sequential"]
    assert in_memory[0] > served[0] and in_memory[1] > served[1], rows


EVENT_ROWS = (
    ("Redis", "publish: publish_many vs pipelined XADD"),
    ("Redis", "consume: Consumer, batch XACK vs XREADGROUP + XACK"),
    ("Redis", "outbox relay on PostgreSQL vs pipelined XADD"),
    ("JetStream", "publish: publish_many vs publish_async + PubAcks"),
    ("JetStream", "consume: Consumer vs fetch(100) + ack"),
    ("JetStream", "outbox relay on PostgreSQL vs publish_async"),
)


def test_events_reports_event_rates_for_every_transport_and_scenario() -> None:
    output = run_benchmark("events.py", "--transports", "redis,nats")
    row = re.compile(
        r"^\| (Redis|JetStream) \| (.+?) \| ([\d,]+) \| ([\d,]+) \| ([\d.]+)x \| .*? \|$",
        re.MULTILINE,
    )
    rows = {
        (transport, name): (number(raw), number(ours), number(ratio))
        for transport, name, raw, ours, ratio in row.findall(output)
    }
    assert tuple(rows) == EVENT_ROWS
    # Events per second: a hundred events take milliseconds, not seconds (or a ms clock).
    assert all(100 < rate < 10_000_000 for *rates, _ in rows.values() for rate in rates), rows
    assert all(0.01 < ratio < 100 for *_, ratio in rows.values()), rows
    writes = re.search(r"\(outbox writes, 1000 per transaction: ([\d,]+) events/s\)", output)
    assert writes and number(writes.group(1)) > 100, output


DB_OPERATIONS = {
    "insert N rows: insert_many",
    "insert N rows: add_many",
    "upsert N existing rows: upsert_many",
    "keyset walk, N pages: ORM select (no repository)",
    "keyset walk, N pages: paginate_keyset",
    "keyset walk, N pages: paginate_keyset vs ORM select",
    "offset (paginate + count): page N vs page N",
    "keyset (paginate_keyset): page N vs page N",
    "update N rows by key: update_many(rows)",
    "update N rows: update_many(values, filter)",
    "delete N rows: delete_many(ids=...)",
    "delete N rows: delete_many(filter)",
}


def test_db_repository_reports_milliseconds_for_every_operation_on_both_backends() -> None:
    output = run_benchmark("db_repository.py")
    row = re.compile(
        r"^\| (SQLite|PostgreSQL) \| (.+?) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| .+? \|$",
        re.MULTILINE,
    )
    found = row.findall(output)
    rows = {
        (backend, re.sub(r"\d[\d,]*", "N", operation)): (number(baseline), number(ours))
        for backend, operation, baseline, ours, _ in found
    }
    assert len(found) == len(rows)
    assert rows.keys() == {(b, op) for b in ("SQLite", "PostgreSQL") for op in DB_OPERATIONS}
    # Milliseconds: a few hundred rows take a few, not 0.0 (seconds) or thousands (µs).
    assert all(0 < ms < 2_000 for pair in rows.values() for ms in pair), rows
