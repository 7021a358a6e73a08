"""The pure retry decisions shared by both clients."""

from __future__ import annotations

import email.utils
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora.http import Backoff, RetryPolicy
from aurora.http._retry import (
    Failure,
    Outcome,
    RetryDecision,
    classify_failure,
    decide_retry,
    outcome_for_status,
    parse_retry_after,
)


@pytest.mark.parametrize(
    ("method", "headers", "allowed"),
    [
        ("GET", {}, True),
        ("PUT", {}, True),
        ("DELETE", {}, True),
        ("POST", {}, False),
        ("PATCH", {}, False),
        ("POST", {"Idempotency-Key": "k"}, True),
        ("PATCH", {"Idempotency-Key": "k"}, True),
    ],
)
def test_allows_method(method: str, headers: dict[str, str], allowed: bool) -> None:
    assert RetryPolicy().allows_method(method, httpx.Headers(headers)) is allowed


@pytest.mark.parametrize(
    ("exc", "failure"),
    [
        (httpx.ConnectError("x"), Failure.CONNECT),
        (httpx.ConnectTimeout("x"), Failure.CONNECT),
        (httpx.PoolTimeout("x"), Failure.POOL),
        (httpx.ReadTimeout("x"), Failure.TIMEOUT),
        (httpx.WriteTimeout("x"), Failure.TIMEOUT),
        (httpx.ReadError("x"), Failure.DROPPED),
        (httpx.RemoteProtocolError("x"), Failure.DROPPED),
        (httpx.LocalProtocolError("x"), Failure.PROTOCOL),
        (httpx.UnsupportedProtocol("x"), Failure.MISCONFIGURED),
    ],
)
def test_classify_failure(exc: httpx.RequestError, failure: Failure) -> None:
    assert classify_failure(exc) is failure


@pytest.mark.parametrize(
    ("status", "retry_after", "outcome"),
    [
        (200, None, Outcome.SUCCESS),
        (304, None, Outcome.SUCCESS),
        (404, None, Outcome.IGNORED),
        (429, None, Outcome.IGNORED),
        (503, 1.0, Outcome.IGNORED),
        (503, None, Outcome.FAILURE),
        (500, None, Outcome.FAILURE),
        (502, 1.0, Outcome.FAILURE),
    ],
)
def test_breaker_outcome_for_status(
    status: int, retry_after: float | None, outcome: Outcome
) -> None:
    assert outcome_for_status(status, retry_after) is outcome


@pytest.mark.parametrize(("status", "retry_after"), [(429, None), (503, 1.0)])
def test_throttling_counts_as_failure_when_asked(status: int, retry_after: float | None) -> None:
    assert outcome_for_status(status, retry_after, count_throttling=True) is Outcome.FAILURE


@given(st.integers(min_value=0, max_value=10**9))
def test_retry_after_seconds_parse(seconds: int) -> None:
    assert parse_retry_after(str(seconds)) == float(seconds)


def test_retry_after_http_date_is_relative_to_now() -> None:
    date = email.utils.formatdate(1_000_030, usegmt=True)
    assert parse_retry_after(date, now=lambda: 1_000_000.0) == 30.0
    assert parse_retry_after(date, now=lambda: 2_000_000.0) == 0.0


@given(st.text())
def test_retry_after_never_raises(value: str | None) -> None:
    result = parse_retry_after(value)
    assert result is None or result >= 0


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1.5"])
def test_invalid_retry_after_is_ignored(value: str | None) -> None:
    assert parse_retry_after(value) is None


def decide(policy: RetryPolicy | None = None, **overrides: Any) -> RetryDecision:
    arguments: dict[str, Any] = {
        "attempt": 1,
        "retry_after": None,
        "elapsed": 0.0,
        "remaining": None,
        "unit": 0.5,
    }
    arguments.update(overrides)
    return decide_retry(policy or RetryPolicy(backoff=Backoff(initial=1.0)), **arguments)


def test_decide_uses_jittered_backoff() -> None:
    assert decide(unit=0.5).delay == 0.5


def test_decide_prefers_retry_after() -> None:
    assert decide(retry_after=7.0).delay == 7.0


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"attempt": 3}, "max_attempts"),
        ({"retry_after": 31.0}, "retry_after_too_long"),
        ({"elapsed": 9.9, "retry_after": 0.2}, "max_total_time"),
        ({"remaining": 0.1, "retry_after": 0.2}, "deadline"),
    ],
)
def test_decide_stops(overrides: dict[str, Any], reason: str) -> None:
    assert decide(**overrides) == (None, reason)


@pytest.mark.parametrize("kwargs", [{"max_attempts": 0}, {"retry_statuses": frozenset({404})}])
def test_invalid_policy_is_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="retr|attempts"):
        RetryPolicy(**kwargs)
