"""The resilience pipeline, shared by the async and the sync client.

Order, outermost first::

    overall deadline → retry (+ budget) → circuit breaker → per-try timeout → network

* The **deadline** bounds the whole call, sleeps included; every try's timeouts
  are cut to what is left, and what is left is sent downstream.
* **Retry** decides after each try whether another one is allowed (policy,
  ``Retry-After``, the service's retry budget) and how long to wait.
* The **breaker** sees every try, so an open circuit fails fast before any
  network work, including between retries.
* The **per-try timeout** is httpx's, from config or per call.

:class:`Call` holds all of that as plain decisions; the clients only run the
I/O loop around it (send, then ask ``answered``/``failed`` what to do next).
"""

from __future__ import annotations

import random
import time
import uuid
from typing import Any

import httpx

from aurora.http._backoff import sleeps_enabled
from aurora.http._budget import RetryBudget
from aurora.http._errors import deadline_error, error_for_failure, misconfigured_error
from aurora.http._metrics import ServiceMetrics
from aurora.http._propagation import DEADLINE_HEADER
from aurora.http._retry import (
    IDEMPOTENCY_KEY_HEADER,
    KEYED_METHODS,
    Failure,
    Outcome,
    RetryPolicy,
    classify_failure,
    decide_retry,
    outcome_for_status,
    parse_retry_after,
)
from aurora.http._tracing import call_spans
from aurora.logging import get_logger
from aurora.utils import CircuitBreaker, CircuitOpenError

__all__ = ["Call", "ServicePipeline"]


def _log() -> Any:
    # Looked up per event, not at import: events are rare (retries, state changes)
    # and logging may be configured after this module is imported.
    return get_logger("aurora.http")


class ServicePipeline:
    """The resilience state shared by every call to one service in this process."""

    def __init__(
        self,
        service: str,
        *,
        breaker: CircuitBreaker,
        budget: RetryBudget,
        metrics: ServiceMetrics,
    ) -> None:
        self.service = service
        self.breaker = breaker
        self.budget = budget
        self.metrics = metrics
        breaker.add_listener(self._state_changed)
        metrics.breaker_state(_state_name(breaker.state))

    def _state_changed(self, name: str, old: object, new: object) -> None:
        self.metrics.breaker_state(_state_name(new))
        logger = _log()
        log = logger.warning if _state_name(new) == "open" else logger.info
        log(
            "circuit_breaker_state_changed",
            service=self.service,
            breaker=name,
            old_state=_state_name(old),
            new_state=_state_name(new),
        )


def _state_name(state: object) -> str:
    return str(getattr(state, "value", state))


class Call:
    """One logical call through the pipeline: tries, breaker permits, retry decisions."""

    __slots__ = (
        "_attempt_started",
        "_capped",
        "_holding",
        "_method",
        "_retryable_method",
        "_skipped",
        "_spans",
        "attempt",
        "deadline",
        "pipeline",
        "policy",
        "request",
        "started",
    )

    def __init__(
        self,
        pipeline: ServicePipeline,
        request: httpx.Request,
        policy: RetryPolicy,
        deadline: float | None,
    ) -> None:
        self.pipeline = pipeline
        self.request = request
        self.policy = policy
        self.deadline = deadline
        self.attempt = 0
        self._skipped = 0.0
        self.started = self._attempt_started = time.monotonic()
        self._holding = self._capped = False
        self._method = method = request.method
        headers = request.headers
        if policy.auto_idempotency_key and method in KEYED_METHODS:
            headers.setdefault(IDEMPOTENCY_KEY_HEADER, str(uuid.uuid4()))
        self._retryable_method = policy.allows_method(method, headers)
        pipeline.budget.record_call()
        self._spans = call_spans(pipeline.service, request)

    def begin(self) -> None:
        """Get ready for the next try, or raise if it must not happen.

        Raises:
            DeadlineExceededError: No time is left.
            CircuitOpenError: The breaker refuses calls (a ``ServiceUnavailableError``).
        """
        now = self._now()
        pipeline = self.pipeline
        if self.deadline is not None and now >= self.deadline:
            error = deadline_error(pipeline.service)
            self._spans.finished(error)
            raise error
        try:
            pipeline.breaker.acquire()
        except CircuitOpenError as exc:
            pipeline.metrics.attempt(self._method, "circuit_open", None)
            exc.context["upstream_service"] = pipeline.service
            self._spans.refused(exc)
            raise
        self._holding = True
        self.attempt += 1
        self._attempt_started = now
        self._spans.attempt(self.request, self.attempt)
        if self.deadline is not None:
            self._apply_deadline(self.deadline - now)

    def _apply_deadline(self, remaining: float) -> None:
        """Cut this try's timeouts to the time left and tell the callee about it."""
        timeouts: dict[str, Any] = dict(self.request.extensions.get("timeout") or {})
        capped = False
        for phase in ("connect", "read", "write", "pool"):
            current = timeouts.get(phase)
            if current is None or current > remaining:
                timeouts[phase] = remaining
                capped = True
        self._capped = capped
        self.request.extensions["timeout"] = timeouts
        self.request.headers[DEADLINE_HEADER] = str(max(int(remaining * 1000), 1))

    def answered(self, response: httpx.Response) -> float | None:
        """Record a response; return the delay before retrying, or ``None`` to return it."""
        now = self._now()
        duration = now - self._attempt_started
        status = response.status_code
        policy = self.policy
        retry_after = None
        if status == 503 or (status >= 429 and status in policy.retry_statuses):
            retry_after = parse_retry_after(response.headers.get("retry-after"))
        outcome = outcome_for_status(
            status, retry_after, count_throttling=policy.breaker_counts_throttling
        )
        self._settle(outcome, duration)
        self.pipeline.metrics.attempt(self._method, str(status), duration)
        self._spans.answered(status)
        delay = None
        if status in policy.retry_statuses and self._retryable_method:
            delay = self._next_delay(str(status), retry_after, now)
        if delay is None:
            self._spans.finished(None)
        return delay

    def failed(self, exc: httpx.RequestError) -> float:
        """Record a failed try; return the delay before retrying.

        Raises:
            AuroraError: The typed error for the failure when no retry follows,
                chained to the httpx exception.
        """
        now = self._now()
        duration = now - self._attempt_started
        failure = classify_failure(exc)
        reached_service = failure not in (Failure.POOL, Failure.MISCONFIGURED)
        self._settle(Outcome.FAILURE if reached_service else Outcome.IGNORED, duration)
        service = self.pipeline.service
        self.pipeline.metrics.attempt(self._method, failure.value, duration)
        self._spans.failed(failure.value)
        if failure is Failure.MISCONFIGURED:
            error = misconfigured_error(service)
            self._spans.finished(error)
            raise error from exc
        # A timeout we cut to the deadline is the deadline firing (timers may fire a
        # hair early, so don't rely on the clock alone).
        expired = self.deadline is not None and (
            now >= self.deadline or (isinstance(exc, httpx.TimeoutException) and self._capped)
        )
        retryable = failure is Failure.CONNECT or (
            failure.reached_server and self._retryable_method
        )
        if retryable and not expired:
            delay = self._next_delay(failure.value, None, now)
            if delay is not None:
                return delay
        error = error_for_failure(service, failure, deadline_expired=expired)
        self._spans.finished(error)
        raise error from exc

    def abandoned(self) -> None:
        """Give back the breaker permit of a try cut short (cancelled, or a bug)."""
        self._spans.finished(None)
        if self._holding:
            self._holding = False
            self.pipeline.breaker.release()

    def _now(self) -> float:
        # Backoff sleeps skipped in tests still count as time passed, so max_total_time
        # and deadlines cut retries off exactly where they would in production.
        return time.monotonic() + self._skipped

    def _settle(self, outcome: Outcome, duration: float) -> None:
        self._holding = False
        breaker = self.pipeline.breaker
        if outcome is Outcome.SUCCESS:
            breaker.record_success(duration)
        elif outcome is Outcome.FAILURE:
            breaker.record_failure(duration)
        else:
            breaker.release()

    def _next_delay(self, reason: str, retry_after: float | None, now: float) -> float | None:
        pipeline = self.pipeline
        decision = decide_retry(
            self.policy,
            attempt=self.attempt,
            retry_after=retry_after,
            elapsed=now - self.started,
            remaining=None if self.deadline is None else self.deadline - now,
            unit=random.random(),  # noqa: S311 - jitter, not cryptography
        )
        fields = {
            "service": pipeline.service,
            "method": self._method,
            "path": self.request.url.path,
            "attempt": self.attempt,
            "reason": reason,
        }
        if decision.delay is not None and pipeline.breaker.state == "open":
            # The failure just recorded opened the circuit: waiting would only end
            # in a refusal, and the caller learns more from the failure itself.
            decision = decision._replace(delay=None, reason="circuit_open")
        if decision.delay is None:
            if self.policy.max_attempts > 1:
                _log().info("http_retry_stopped", stopped_by=decision.reason, **fields)
            return None
        if not pipeline.budget.try_retry():
            pipeline.metrics.budget_exhausted()
            _log().warning("http_retry_budget_exhausted", **fields)
            return None
        if not sleeps_enabled():
            self._skipped += decision.delay
        pipeline.metrics.retry(reason)
        _log().warning("http_retry", delay=round(decision.delay, 3), **fields)
        self._spans.retry(reason, decision.delay)
        return decision.delay
