"""A clean slate for configuration tests: no ``AURORA_*`` variables, an empty cwd, no cache.

A configuration test must not see the machine's variables, a ``.env`` or a
``services.yml`` in the directory it runs from, or a config another test loaded::

    @pytest.fixture(autouse=True)
    def clean_config(monkeypatch, tmp_path):
        with isolated_config(monkeypatch, tmp_path / "cwd") as workdir:
            yield workdir

``set_variable`` puts one variable in the environment, the ``.env`` file or the
secrets directory, so a lib's test can prove each source reaches its section.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import pytest

from aurora.config import reset_config_cache

__all__ = ["SOURCES", "Source", "isolated_config", "set_variable"]

Source = Literal["env", "dotenv", "secrets"]
SOURCES: tuple[Source, ...] = ("env", "dotenv", "secrets")
"""The sources a variable can be set in, each a ``ValueSource`` of the same value."""


@contextmanager
def isolated_config(monkeypatch: pytest.MonkeyPatch, workdir: Path) -> Iterator[Path]:
    """Unset every ``AURORA_*`` variable, run in ``workdir`` (created), forget loaded configs."""
    for name in list(os.environ):
        if name.upper().startswith("AURORA_"):
            monkeypatch.delenv(name)
    workdir.mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(workdir)
    reset_config_cache()
    try:
        yield workdir
    finally:
        reset_config_cache()


def set_variable(
    source: Source, name: str, value: str, *, monkeypatch: pytest.MonkeyPatch, workdir: Path
) -> None:
    """Set ``name`` in the environment, ``workdir/.env`` or a secrets dir under ``workdir``."""
    if source == "env":
        monkeypatch.setenv(name, value)
    elif source == "dotenv":
        with (workdir / ".env").open("a", encoding="utf-8") as dotenv:
            dotenv.write(f"{name}={value}\n")
    else:
        secrets = workdir / "secrets"
        secrets.mkdir(exist_ok=True)
        (secrets / name).write_text(value, encoding="utf-8")
        monkeypatch.setenv("AURORA_SECRETS_DIR", str(secrets))
