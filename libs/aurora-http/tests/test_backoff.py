"""Full-jitter backoff and the switch that disables its sleeps."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora.http import Backoff, configure, reset_defaults
from aurora.http._backoff import sleep, sleep_blocking, sleeps_enabled
from aurora.http.testing import disable_backoff


@given(
    retry=st.integers(min_value=1, max_value=10_000),
    unit=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
    initial=st.floats(min_value=0.0, max_value=10.0),
    maximum=st.floats(min_value=0.0, max_value=60.0),
)
def test_delay_is_between_zero_and_the_capped_ceiling(
    retry: int, unit: float, initial: float, maximum: float
) -> None:
    backoff = Backoff(initial=initial, maximum=maximum)
    assert 0.0 <= backoff.delay(retry, unit) <= min(maximum, backoff.ceiling(retry))


def test_ceiling_grows_exponentially_until_the_maximum() -> None:
    backoff = Backoff(initial=0.1, maximum=1.0, multiplier=2.0)
    assert [backoff.ceiling(n) for n in range(1, 6)] == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.0])


@pytest.mark.parametrize("kwargs", [{"initial": -1}, {"maximum": -1}, {"multiplier": 0.5}])
def test_invalid_backoff_is_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="backoff"):
        Backoff(**kwargs)


async def test_disable_backoff_records_instead_of_sleeping_and_restores() -> None:
    with disable_backoff() as delays:
        started = time.monotonic()
        await sleep(30.0)
        sleep_blocking(20.0)
        assert time.monotonic() - started < 5.0
    assert delays == [30.0, 20.0]
    assert sleeps_enabled()


def test_disable_backoff_nests_and_restores_the_outer_recorder() -> None:
    with disable_backoff() as outer:
        with disable_backoff() as inner:
            sleep_blocking(1.0)
        sleep_blocking(2.0)
    assert (outer, inner) == ([2.0], [1.0])


def test_disable_backoff_restores_on_error() -> None:
    with pytest.raises(RuntimeError), disable_backoff():
        raise RuntimeError
    assert sleeps_enabled()


def test_configure_switches_sleeps_off_until_reset() -> None:
    configure(backoff_sleeps=False)
    try:
        assert not sleeps_enabled()
        sleep_blocking(60.0)
    finally:
        reset_defaults()
    assert sleeps_enabled()
