"""Running a throw-away pytest project inside this process, the way the kit's tests do."""

from __future__ import annotations

import pytest


def run_inner(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """Run the inner project in this process with the plugin loaded by name."""
    return pytester.runpytest_inprocess(
        "-p", "aurora.testing.plugin", "-p", "no:cacheprovider", *args
    )
