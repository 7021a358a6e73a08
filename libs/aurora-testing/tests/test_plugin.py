"""The plugin: its fixtures, how suites load it, and what loading it costs."""

from __future__ import annotations

import subprocess
import sys

import pytest
from testing_inner import run_inner

import aurora.testing.plugin
from aurora.testing.process import child_python_path

FIXTURES = [
    "app_client",
    "async_app_client",
    "clock",
    "database",
    "database_metadata",
    "db_session",
    "events",
    "live_server",
    "logs",
    "make_database",
    "tokens",
    "upstream",
]


def test_the_plugin_provides_the_documented_fixtures(inner: pytest.Pytester) -> None:
    result = run_inner(inner, "--fixtures")

    for name in FIXTURES:
        result.stdout.fnmatch_lines([f"{name} -- *aurora/testing/plugin.py*"])
    assert aurora.testing.plugin.__all__ == sorted([*FIXTURES, "pytest_configure"])


def test_a_conftest_can_load_it_the_monorepo_way(inner: pytest.Pytester) -> None:
    inner.makeconftest('pytest_plugins = ["aurora.testing.plugin"]')
    inner.makepyfile("""
        def test_uses_fixtures(clock, events, tokens):
            clock.advance(1)
            assert events.published == []
            assert tokens.token("a")
        """)
    result = inner.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


@pytest.fixture()
def _child_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Child interpreters find what this one finds, whatever the cwd (Pants runs tests in a sandbox)."""
    monkeypatch.setenv("PYTHONPATH", child_python_path())


@pytest.mark.usefixtures("_child_path")
def test_loading_the_plugin_imports_none_of_the_heavy_helpers() -> None:
    """Every test run pays for the plugin import; fixtures import what they use."""
    probe = (
        "import sys, aurora.testing.plugin, aurora.testing.clock;"
        "heavy = ['aurora.app', 'aurora.db', 'aurora.events', 'sqlalchemy', 'schemathesis'];"
        "print([name for name in heavy if name in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


@pytest.mark.usefixtures("_child_path")
def test_starlettes_httpx2_warning_does_not_fail_collection(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh process, so starlette.testclient really is imported for the first time."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # only this plugin: faster
    pytester.makeini("[pytest]\nfilterwarnings = error\n")
    pytester.makepyfile("""
        from fastapi.testclient import TestClient

        def test_imports():
            assert TestClient
        """)
    result = pytester.runpytest_subprocess("-p", "aurora.testing.plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
