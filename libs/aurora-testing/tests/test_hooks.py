"""RecordedHooks runs what a lib installed the way a service does."""

from __future__ import annotations

import pytest

from aurora.testing.hooks import RecordedHooks


async def test_shutdown_runs_in_reverse_and_past_a_failure() -> None:
    hooks, ran = RecordedHooks(), []

    def broken() -> None:
        ran.append("broken")
        raise RuntimeError("stuck")

    async def close_engine() -> None:
        ran.append("engine")

    hooks.on_shutdown(close_engine)
    hooks.on_shutdown(broken)
    hooks.on_startup(lambda: ran.append("open"))

    with pytest.raises(RuntimeError, match="stuck"):
        async with hooks.running():
            ran.append("serving")

    assert ran == ["open", "serving", "broken", "engine"]


async def test_a_check_without_details_reports_an_empty_mapping() -> None:
    hooks = RecordedHooks()

    async def quiet() -> None:
        return None

    hooks.add_health_check("quiet", quiet, critical=False)

    assert await hooks.check("quiet") == {}
    assert hooks.critical == {"quiet": False}
