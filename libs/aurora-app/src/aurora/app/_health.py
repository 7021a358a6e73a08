"""Readiness checks, the Spring Boot Actuator way.

A health check is any async callable (``aurora.utils.HealthCheck``): it returns
``None`` or a mapping of details when healthy and raises when not. That is the
whole protocol, so aurora-db, aurora-http and aurora-events plug in without
aurora-app importing them.

Checks run concurrently, each under its own timeout, and the report is cached
briefly so a burst of probes (several kubelets, a load balancer) costs one round
of checks; concurrent callers share the round in flight. A failing *critical*
check makes the service unready (503); a failing *optional* one only degrades
the report (``warn``).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from aurora.logging import get_logger
from aurora.utils import HealthCheck

__all__ = ["CheckResult", "HealthCheckFn", "HealthRegistry", "HealthReport", "RegisteredCheck"]

HealthCheckFn = HealthCheck
"""The one health-check type, under the name this lib's modules have long used."""
Status = Literal["pass", "warn", "fail"]


@dataclass(frozen=True, slots=True)
class RegisteredCheck:
    """One registered check: what to call, whether readiness depends on it, how long to wait."""

    name: str
    check: HealthCheckFn
    critical: bool = True
    timeout: float = 2.0


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one check in one round."""

    name: str
    status: Literal["pass", "fail"]
    critical: bool
    duration_ms: float
    observed_at: str
    details: Mapping[str, Any] = field(default_factory=dict)
    output: str | None = None

    def as_health_json(self, *, show_details: bool) -> dict[str, Any]:
        """The entry in an ``application/health+json`` ``checks`` list."""
        entry: dict[str, Any] = {
            "componentId": self.name,
            "status": self.status,
            "critical": self.critical,
            "observedValue": self.duration_ms,
            "observedUnit": "ms",
            "time": self.observed_at,
        }
        if show_details:
            if self.output:
                entry["output"] = self.output
            if self.details:
                entry["details"] = dict(self.details)
        return entry


@dataclass(frozen=True, slots=True)
class HealthReport:
    """The outcome of a round: ``pass``, ``warn`` (optional failures) or ``fail``."""

    status: Status
    checks: tuple[CheckResult, ...] = ()
    output: str | None = None

    @property
    def ready(self) -> bool:
        """Whether the service should receive traffic."""
        return self.status != "fail"


class HealthRegistry:
    """The service's checks and the cached result of the last round.

    Args:
        cache_ttl: Seconds a report is reused; 0 runs the checks on every probe.
        default_timeout: Timeout for checks registered without one.
        clock: Monotonic seconds (injectable for tests).
    """

    def __init__(
        self,
        *,
        cache_ttl: float = 1.0,
        default_timeout: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._checks: dict[str, RegisteredCheck] = {}
        self._cache_ttl = cache_ttl
        self._default_timeout = default_timeout
        self._clock = clock
        self._cached: tuple[float, HealthReport] | None = None
        self._running: asyncio.Task[HealthReport] | None = None

    @property
    def checks(self) -> Sequence[RegisteredCheck]:
        """The registered checks, in registration order."""
        return tuple(self._checks.values())

    def add(
        self,
        name: str,
        check: HealthCheckFn | Callable[[], Mapping[str, Any] | None],
        *,
        critical: bool = True,
        timeout: float | None = None,
    ) -> None:
        """Register ``check`` under ``name`` (replacing a check of the same name).

        Sync callables are accepted and run in a worker thread, so a blocking
        driver call cannot stall the event loop.
        """
        if not name:
            raise ValueError("a health check needs a name")
        fn = check if inspect.iscoroutinefunction(check) else _threaded(check)
        self._checks[name] = RegisteredCheck(
            name, fn, critical, self._default_timeout if timeout is None else timeout
        )
        self._cached = None

    async def report(self) -> HealthReport:
        """The current report: cached, shared with a round in flight, or fresh."""
        cached = self._cached
        if cached is not None and self._clock() < cached[0]:
            return cached[1]
        running = self._running
        if (
            running is None
            or running.done()
            or running.get_loop() is not asyncio.get_running_loop()
        ):
            running = self._running = asyncio.ensure_future(self._round())
        # shield: one impatient prober disconnecting must not cancel everyone's round.
        return await asyncio.shield(running)

    async def _round(self) -> HealthReport:
        results = await asyncio.gather(*(_run(check) for check in self._checks.values()))
        report = _summarize(tuple(results))
        self._cached = (self._clock() + self._cache_ttl, report)
        return report


def _threaded(check: Callable[[], Any]) -> HealthCheckFn:
    async def run_in_thread() -> Mapping[str, Any] | None:
        result = await asyncio.to_thread(check)
        if inspect.isawaitable(result):  # a callable object with an async __call__
            result = await result
        return result  # type: ignore[no-any-return]

    return run_in_thread


async def _run(check: RegisteredCheck) -> CheckResult:
    observed_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    start = time.perf_counter()
    try:
        details = await _within(check.check(), check.timeout)
    except TimeoutError:
        return _failed(check, start, observed_at, f"timed out after {check.timeout:g}s")
    except Exception as exc:
        get_logger("aurora.app.health").warning(
            "health_check_failed", check=check.name, error_type=type(exc).__qualname__, exc_info=exc
        )
        return _failed(check, start, observed_at, _public_output(exc))
    return CheckResult(
        name=check.name,
        status="pass",
        critical=check.critical,
        duration_ms=_elapsed_ms(start),
        observed_at=observed_at,
        details=dict(details or {}),
    )


_abandoned: set[asyncio.Task[Any]] = set()


async def _within(check: Awaitable[Mapping[str, Any] | None], timeout: float) -> Any:
    """``check``'s result within ``timeout``, or ``TimeoutError`` right at the timeout.

    Unlike ``asyncio.wait_for``, which waits for the cancelled check to unwind, this
    answers on time: a driver stuck on a frozen server can take the socket timeout
    to notice its cancellation. The abandoned check finishes in the background.
    """
    task = asyncio.ensure_future(check)
    done, _ = await asyncio.wait((task,), timeout=timeout)
    if done:
        return task.result()
    task.cancel()
    _abandoned.add(task)
    task.add_done_callback(_forget)
    raise TimeoutError


def _forget(task: asyncio.Task[Any]) -> None:
    _abandoned.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it as never retrieved


def _public_output(exc: Exception) -> str:
    """What a report may say about a failure: its kind, never its text.

    Driver messages name hosts, users and databases; they go to the log (above),
    and the report says ``failed: database_unavailable`` or ``failed: ConnectionError``.
    """
    code = getattr(exc, "code", None)
    return f"failed: {code if isinstance(code, str) else type(exc).__name__}"


def _failed(check: RegisteredCheck, start: float, observed_at: str, output: str) -> CheckResult:
    return CheckResult(
        name=check.name,
        status="fail",
        critical=check.critical,
        duration_ms=_elapsed_ms(start),
        observed_at=observed_at,
        output=output,
    )


def _elapsed_ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000.0, 3)


def _summarize(results: tuple[CheckResult, ...]) -> HealthReport:
    failed = [result for result in results if result.status == "fail"]
    if any(result.critical for result in failed):
        return HealthReport("fail", results)
    return HealthReport("warn" if failed else "pass", results)
