"""The retry policy: which requests may be retried, after what, and how long to wait.

Everything here is a pure function of its arguments so the async and sync
clients share one set of decisions and only differ in how they wait and send.

Rules (Polly v8 / gRPC / Envoy defaults, tightened for safety):

* A request may be retried when its method is idempotent (GET, HEAD, OPTIONS,
  PUT, DELETE, TRACE), or when it is a POST/PATCH carrying an ``Idempotency-Key``.
* Connect failures are retried for every method: the request never left, so
  repeating it can't apply it twice.
* Read timeouts, dropped connections and 429/502/503/504 are retried only when
  the method allows it; other 4xx never are (the request itself is wrong).
* ``Retry-After`` is honoured exactly; when it asks for more than
  ``max_retry_after`` the client gives up instead of coming back early.
"""

from __future__ import annotations

import email.utils
import enum
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import httpx

from aurora.http._backoff import Backoff

__all__ = [
    "IDEMPOTENCY_KEY_HEADER",
    "IDEMPOTENT_METHODS",
    "KEYED_METHODS",
    "RETRYABLE_STATUSES",
    "Failure",
    "Outcome",
    "RetryDecision",
    "RetryPolicy",
    "classify_failure",
    "decide_retry",
    "outcome_for_status",
    "parse_retry_after",
]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
KEYED_METHODS = frozenset({"POST", "PATCH"})
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard one call tries before it gives up.

    Args:
        max_attempts: Total tries including the first; 1 disables retries.
        max_total_time: No retry is scheduled that would start later than this many
            seconds after the call began (the overall deadline is separate and stricter).
        backoff: Delay between tries when the server gives no ``Retry-After``.
        retry_statuses: Response statuses worth another try.
        max_retry_after: Longest ``Retry-After`` the client is willing to wait.
        auto_idempotency_key: Add a fresh ``Idempotency-Key`` to POST/PATCH requests
            that have none, making them retryable (the server must honour the key).
        breaker_counts_throttling: Count a 429, and a 503 with ``Retry-After``, as
            failures for the circuit breaker. Off by default: such a service is
            shedding load on purpose and the retries already slow down (honouring
            ``Retry-After``); turn it on for a dependency that throttles for long
            stretches, so callers fail fast instead of queueing behind it.
    """

    max_attempts: int = 3
    max_total_time: float = 10.0
    backoff: Backoff = field(default_factory=Backoff)
    retry_statuses: frozenset[int] = RETRYABLE_STATUSES
    max_retry_after: float = 30.0
    auto_idempotency_key: bool = False
    breaker_counts_throttling: bool = False

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not self.retry_statuses <= RETRYABLE_STATUSES | {500}:
            raise ValueError("only 429, 500, 502, 503 and 504 can be retried safely")

    def allows_method(self, method: str, headers: Mapping[str, str]) -> bool:
        """Whether a request with this method and these headers may be sent twice."""
        if method in IDEMPOTENT_METHODS:
            return True
        return method in KEYED_METHODS and IDEMPOTENCY_KEY_HEADER in headers


class Failure(enum.Enum):
    """What kind of transport failure happened; decides retry and error class."""

    CONNECT = "connect_error"
    TIMEOUT = "timeout"
    DROPPED = "connection_dropped"
    POOL = "pool_exhausted"
    PROTOCOL = "protocol_error"
    MISCONFIGURED = "misconfigured"

    @property
    def reached_server(self) -> bool:
        """Whether the request may have been processed (so repeating it is unsafe)."""
        return self in _REACHED_SERVER


_REACHED_SERVER = frozenset({Failure.TIMEOUT, Failure.DROPPED, Failure.PROTOCOL})


def classify_failure(exc: httpx.RequestError) -> Failure:
    """Sort an httpx request error into the few kinds the policy cares about."""
    if isinstance(exc, httpx.UnsupportedProtocol):
        return Failure.MISCONFIGURED
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return Failure.CONNECT
    if isinstance(exc, httpx.PoolTimeout):
        return Failure.POOL
    if isinstance(exc, httpx.TimeoutException):
        return Failure.TIMEOUT
    if isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.RemoteProtocolError):
        return Failure.DROPPED
    return Failure.PROTOCOL


class Outcome(enum.Enum):
    """How an attempt counts for the circuit breaker."""

    SUCCESS = "success"
    FAILURE = "failure"
    IGNORED = "ignored"


def outcome_for_status(
    status: int, retry_after: float | None, *, count_throttling: bool = False
) -> Outcome:
    """Classify a response for the breaker.

    4xx are the caller's fault and say nothing about the service's health. A 429,
    or a 503 that says when to come back, is a service shedding load on purpose:
    the retry layer slows down, and tripping the breaker would only add an outage,
    unless ``count_throttling`` (``RetryPolicy.breaker_counts_throttling``) says so.
    """
    if status < 400:
        return Outcome.SUCCESS
    if status == 429 or (status == 503 and retry_after is not None):
        return Outcome.FAILURE if count_throttling else Outcome.IGNORED
    if status < 500:
        return Outcome.IGNORED
    return Outcome.FAILURE


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date).

    Invalid values are ignored (``None``) rather than fatal; dates in the past
    mean "now" (``0.0``).
    """
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # str.isdigit() also accepts "²"
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, moment.timestamp() - now())


class RetryDecision(NamedTuple):
    """Retry after ``delay`` seconds, or stop (``delay is None``) for ``reason``."""

    delay: float | None
    reason: str


def decide_retry(
    policy: RetryPolicy,
    *,
    attempt: int,
    retry_after: float | None,
    elapsed: float,
    remaining: float | None,
    unit: float,
) -> RetryDecision:
    """Whether to try again after ``attempt`` tries that took ``elapsed`` seconds so far.

    Args:
        policy: The limits.
        attempt: Tries made so far (1 after the first).
        retry_after: The server's ``Retry-After``, if any; it replaces the backoff.
        elapsed: Seconds since the call began.
        remaining: Seconds left before the overall deadline, if there is one.
        unit: A random number in ``[0, 1)`` for the jitter.
    """
    if attempt >= policy.max_attempts:
        return RetryDecision(None, "max_attempts")
    if retry_after is not None and retry_after > policy.max_retry_after:
        return RetryDecision(None, "retry_after_too_long")
    delay = retry_after if retry_after is not None else policy.backoff.delay(attempt, unit)
    if elapsed + delay > policy.max_total_time:
        return RetryDecision(None, "max_total_time")
    if remaining is not None and delay >= remaining:
        return RetryDecision(None, "deadline")
    return RetryDecision(delay, "retry")
