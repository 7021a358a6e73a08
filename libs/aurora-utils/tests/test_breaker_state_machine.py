"""The breaker against a deliberately naive reference model, step by random step.

The model keeps a plain list of outcomes and recounts it with exact fractions on
every call; the breaker keeps running totals in a ring. Hypothesis drives both
with the same calls, clock moves, low-level outcomes and resets, and checks
after every step that state, retry-after and the listener's log agree.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from fractions import Fraction

import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from aurora.utils import CircuitBreaker, CircuitOpenError, CircuitState

CLOSED, OPEN, HALF_OPEN = CircuitState.CLOSED, CircuitState.OPEN, CircuitState.HALF_OPEN
RATES = st.sampled_from([0.1, 0.25, 1 / 3, 0.5, 0.6, 0.75, 1.0])


class RecordedError(Exception):
    """Counts as a failure."""


class IgnoredError(Exception):
    """Counts as nothing."""


class UnrecordedError(Exception):
    """Neither recorded nor ignored: counts as a success."""


class Clock:
    def __init__(self) -> None:
        self.now = 0

    def __call__(self) -> float:
        return self.now


@dataclass
class Model:
    window_size: int
    minimum_calls: int
    failure_threshold: float
    slow_threshold: float
    slow_limit: int | None
    open_duration: int
    trials: int
    state: CircuitState = CLOSED
    outcomes: list[tuple[bool, bool]] = field(default_factory=list)
    opened_at: int = 0
    free_trials: int = 0
    log: list[tuple[CircuitState, CircuitState]] = field(default_factory=list)

    def observe(self, now: int) -> None:
        if self.state is OPEN and now - self.opened_at >= self.open_duration:
            self.go(HALF_OPEN, now)

    def go(self, state: CircuitState, now: int) -> None:
        self.log.append((self.state, state))
        self.state = state
        self.outcomes = []
        self.opened_at = now if state is OPEN else self.opened_at
        self.free_trials = self.trials if state is HALF_OPEN else 0

    def admit(self, now: int) -> bool:
        self.observe(now)
        if self.state is CLOSED:
            return True
        if self.state is HALF_OPEN and self.free_trials > 0:
            self.free_trials -= 1
            return True
        return False

    def retry_after(self, now: int) -> float | None:
        self.observe(now)
        return self.opened_at + self.open_duration - now if self.state is OPEN else None

    def finish(self, verdict: str, duration: int, now: int) -> None:
        if self.state is OPEN:
            return
        if self.state is HALF_OPEN:
            if self.trials - self.free_trials - len(self.outcomes) <= 0:
                return
            if verdict == "release":
                self.free_trials += 1
                return
        elif verdict == "release":
            return
        slow = self.slow_limit is not None and duration > self.slow_limit
        self.outcomes.append((verdict == "failure", slow))
        if self.state is CLOSED:
            self.outcomes = self.outcomes[-self.window_size :]
            if self.exceeded(min(self.minimum_calls, self.window_size)):
                self.go(OPEN, now)
        elif len(self.outcomes) == self.trials:
            self.go(OPEN if self.exceeded(self.trials) else CLOSED, now)

    def exceeded(self, minimum: int) -> bool:
        calls = len(self.outcomes)
        if calls < minimum:
            return False
        failed = Fraction(sum(f for f, _ in self.outcomes), calls)
        slow = Fraction(sum(s for _, s in self.outcomes), calls)
        return failed >= Fraction(self.failure_threshold) or slow >= Fraction(self.slow_threshold)


class BreakerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.seen: list[tuple[CircuitState, CircuitState]] = []
        self.held = 0  # low-level calls acquired and not yet finished

    @initialize(
        window_size=st.integers(1, 6),
        minimum_calls=st.integers(1, 6),
        failure_threshold=RATES,
        slow_threshold=RATES,
        slow_limit=st.one_of(st.none(), st.integers(0, 3)),
        open_duration=st.integers(0, 5),
        trials=st.integers(1, 3),
    )
    def build(
        self,
        window_size: int,
        minimum_calls: int,
        failure_threshold: float,
        slow_threshold: float,
        slow_limit: int | None,
        open_duration: int,
        trials: int,
    ) -> None:
        self.breaker = CircuitBreaker(
            "model",
            sliding_window_size=window_size,
            minimum_calls=minimum_calls,
            failure_rate_threshold=failure_threshold,
            slow_call_rate_threshold=slow_threshold,
            slow_call_duration=slow_limit,
            open_duration=open_duration,
            half_open_max_calls=trials,
            record_exceptions=(RecordedError,),
            ignore_exceptions=(IgnoredError,),
            clock=self.clock,
        )
        self.breaker.add_listener(lambda name, old, new: self.seen.append((old, new)))
        self.model = Model(
            window_size,
            minimum_calls,
            failure_threshold,
            slow_threshold,
            slow_limit,
            open_duration,
            trials,
        )

    @rule(seconds=st.integers(0, 6))
    def time_passes(self, seconds: int) -> None:
        self.clock.now += seconds

    @rule(
        # Failures weighted up so that most runs see the circuit open and recover.
        outcome=st.sampled_from(["success", "recorded", "recorded", "ignored", "unrecorded"]),
        duration=st.integers(0, 4),
    )
    def call(self, outcome: str, duration: int) -> None:
        admitted = self.model.admit(self.clock.now)

        def work() -> str:
            self.clock.now += duration
            if outcome == "recorded":
                raise RecordedError
            if outcome == "ignored":
                raise IgnoredError
            if outcome == "unrecorded":
                raise UnrecordedError
            return "done"

        if not admitted:
            with pytest.raises(CircuitOpenError):
                self.breaker.call(work)
            return
        with contextlib.suppress(RecordedError, IgnoredError, UnrecordedError):
            assert self.breaker.call(work) == "done"
        verdict = {"recorded": "failure", "ignored": "release"}.get(outcome, "success")
        self.model.finish(verdict, duration, self.clock.now)

    @rule()
    def acquire(self) -> None:
        if self.model.admit(self.clock.now):
            self.breaker.acquire()
            self.held += 1
        else:
            with pytest.raises(CircuitOpenError):
                self.breaker.acquire()

    @rule(verdict=st.sampled_from(["success", "failure", "release"]), duration=st.integers(0, 4))
    def finish_held(self, verdict: str, duration: int) -> None:
        # A no-op without a held call, rather than a precondition that Hypothesis
        # would have to retry draws for.
        if not self.held:
            return
        self.held -= 1
        if verdict == "success":
            self.breaker.record_success(duration)
        elif verdict == "failure":
            self.breaker.record_failure(duration)
        else:
            self.breaker.release()
        self.model.finish(verdict, duration, self.clock.now)

    @rule()
    def reset(self) -> None:
        self.breaker.reset()
        if self.model.state is not CLOSED:
            self.model.go(CLOSED, self.clock.now)
        self.model.outcomes = []

    @invariant()
    def agrees_with_the_model(self) -> None:
        expected_retry = self.model.retry_after(self.clock.now)
        assert self.breaker.retry_after == expected_retry
        assert self.breaker.state is self.model.state
        assert self.seen == self.model.log
        for old, new in self.seen:
            event(f"{old} -> {new}")  # shown by --hypothesis-show-statistics


TestBreakerStateMachine = BreakerMachine.TestCase
TestBreakerStateMachine.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
