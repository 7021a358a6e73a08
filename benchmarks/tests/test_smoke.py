"""The benchmark scripts run and report rates, at a few percent of their size.

Nothing else runs them: a driver whose signature changed once left
``tracing_overhead.py`` crashing, then reading microseconds as requests per second.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from aurora.testing.process import child_env

BENCHMARKS = Path(__file__).resolve().parents[1]
ROW = re.compile(r"^\| tracing (.+?) \| (.+?) \| ([\d,]+) \| ([\d.]+)x \|$", re.MULTILINE)


def test_tracing_overhead_reports_request_rates_for_every_setting() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / "tracing_overhead.py")],
        env=child_env({"AURORA_BENCH_SCALE": "0.02"}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rows = {
        (setting, app): int(rate.replace(",", ""))
        for setting, app, rate, _ in ROW.findall(result.stdout)
    }
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
    assert re.search(r"one server-like span: [\d.]+ us alone", result.stdout)
    assert re.search(r"aurora-telemetry's pipeline [\d.]+ us", result.stdout)
