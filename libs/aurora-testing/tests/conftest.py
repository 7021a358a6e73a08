"""The kit's own suite uses the kit the way a service suite does: through the plugin."""

from __future__ import annotations

import importlib
import io
from collections.abc import Iterator

import pytest

import aurora.testing
from aurora.logging import reset_logging, setup_logging

# pytester runs the plugin (and the README's test examples) in isolated pytest sessions.
pytest_plugins = ["aurora.testing.plugin", "pytester"]


@pytest.fixture(autouse=True)
def _quiet_logging() -> Iterator[None]:
    """JSON logging into a buffer: services under test log, and nothing reaches the terminal."""
    setup_logging("aurora-testing-tests", fmt="json", stream=io.StringIO())
    yield
    reset_logging()


INNER_INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""


@pytest.fixture(scope="session")
def _kit_imported() -> None:
    """Import the libs and the kit before any pytester snapshot of ``sys.modules``.

    pytester forgets the modules first imported while it was active; the next
    import builds new classes (a second FastAPI router class, say) that objects
    cached by the first import don't recognise. Session scope makes this run
    before the function-scoped ``pytester`` takes its snapshot.
    """
    for module in ("aurora.app", "aurora.db", "aurora.events", "aurora.http", "fastapi.testclient"):
        importlib.import_module(module)
    for name in aurora.testing.__all__:
        getattr(aurora.testing, name)


@pytest.fixture()
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A throw-away pytest project configured like Aurora's (warnings are errors)."""
    pytester.makeini(INNER_INI)
    return pytester


@pytest.fixture()
def inner(_kit_imported: None, project: pytest.Pytester) -> pytest.Pytester:
    """:func:`project`, to run in this process with :func:`run_inner`."""
    return project
