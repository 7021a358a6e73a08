"""Running a throw-away pytest project inside this process, the way the kit's tests do.

The plugin reaches the inner session the way it reached this one. Installed from its
wheel, pytest autoloads it through its ``pytest11`` entry point; naming it again with
``-p`` would make the inner session try to rewrite a module this process already
imported without rewriting (pytest rewrites entry-point plugins only when they are
top-level modules or packages, and ``aurora`` is a namespace), a warning that
``filterwarnings = error`` turns into a failed start. From the source tree (under
Pants) there is no entry point, so it is loaded by name.
"""

from __future__ import annotations

import importlib.metadata
import os

import pytest

PLUGIN = "aurora.testing.plugin"


def _autoloaded() -> bool:
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    return any(ep.value == PLUGIN for ep in importlib.metadata.entry_points(group="pytest11"))


def run_inner(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """Run the inner project in this process with the plugin loaded."""
    plugin = [] if _autoloaded() else ["-p", PLUGIN]
    return pytester.runpytest_inprocess(*plugin, "-p", "no:cacheprovider", *args)
