"""Every test starts and ends with logging unconfigured, and reads real output lines."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from log_output import Output

from aurora.logging import FORMAT_ENV_VAR, reset_logging


@pytest.fixture(autouse=True)
def _unconfigured_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(FORMAT_ENV_VAR, raising=False)
    reset_logging()
    yield
    reset_logging()


@pytest.fixture()
def output() -> Output:
    return Output()
