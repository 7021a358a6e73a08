"""The retry budget as a state machine over a fake clock."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora.http import RetryBudget
from aurora.testing import FrozenClock


def test_floor_allows_retries_without_traffic(clock: FrozenClock) -> None:
    budget = RetryBudget(ratio=0.2, min_retries=2, clock=clock)
    assert [budget.try_retry() for _ in range(3)] == [True, True, False]


def test_each_call_earns_a_share_of_a_retry(clock: FrozenClock) -> None:
    budget = RetryBudget(ratio=0.5, min_retries=0, clock=clock)
    for _ in range(4):
        budget.record_call()
    assert [budget.try_retry() for _ in range(3)] == [True, True, False]
    assert budget.totals() == (4, 2)


def test_old_traffic_expires_with_the_window(clock: FrozenClock) -> None:
    budget = RetryBudget(ratio=1.0, min_retries=0, window=10.0, clock=clock)
    budget.record_call()
    clock.advance(10.0)
    assert budget.totals() == (0, 0)
    assert not budget.try_retry()


@given(
    st.lists(
        st.one_of(st.just("call"), st.just("retry"), st.floats(min_value=0, max_value=3)),
        max_size=200,
    )
)
def test_retries_never_exceed_ratio_of_calls_plus_floor(steps: list[str | float]) -> None:
    clock = FrozenClock()
    budget = RetryBudget(ratio=0.2, min_retries=3, window=10.0, clock=clock)
    for step in steps:
        if step == "call":
            budget.record_call()
        elif step == "retry":
            budget.try_retry()
        else:
            assert isinstance(step, float)
            clock.advance(step)
        calls, retries = budget.totals()
        assert retries <= 0.2 * calls + 3


@pytest.mark.parametrize(
    "kwargs", [{"ratio": -1}, {"min_retries": -1}, {"window": 0}, {"buckets": 0}]
)
def test_invalid_budget_is_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="retry budget"):
        RetryBudget(**kwargs)
