"""Aurora's test kit: real-backend fixtures and public fakes, so service tests never patch.

Use the pytest plugin (``pytest_plugins = ["aurora.testing.plugin"]``, or
nothing once the wheel is installed) for fixtures, and these names for the
helpers behind them. Only tests import this package.

The names are loaded on first access: importing one light helper
(``aurora.testing.clock``, ``aurora.testing.server``) from a low lib's tests
must not import every Aurora lib, nor break when an unrelated one does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aurora.testing.clients import open_app_client, open_async_app_client
    from aurora.testing.clock import FrozenClock
    from aurora.testing.contract import ContractReport, assert_openapi_contract
    from aurora.testing.database import BACKENDS, Database, open_database
    from aurora.testing.events import EventBus
    from aurora.testing.hooks import RecordedHooks
    from aurora.testing.isolation import (
        PostgresSchema,
        async_transactional_session,
        postgres_schema,
        postgres_url,
        redis_url,
        transactional_session,
        unique_name,
    )
    from aurora.testing.logs import LogCapture, capture_log_lines
    from aurora.testing.problems import assert_problem_response
    from aurora.testing.process import child_env, child_python_path
    from aurora.testing.server import LiveServer, free_port, run_server
    from aurora.testing.tokens import TokenFactory
    from aurora.testing.upstream import FaultyUpstream, RecordedRequest, Reply

__all__ = [
    "BACKENDS",
    "ContractReport",
    "Database",
    "EventBus",
    "FaultyUpstream",
    "FrozenClock",
    "LiveServer",
    "LogCapture",
    "PostgresSchema",
    "RecordedHooks",
    "RecordedRequest",
    "Reply",
    "TokenFactory",
    "assert_openapi_contract",
    "assert_problem_response",
    "async_transactional_session",
    "capture_log_lines",
    "child_env",
    "child_python_path",
    "free_port",
    "open_app_client",
    "open_async_app_client",
    "open_database",
    "postgres_schema",
    "postgres_url",
    "redis_url",
    "run_server",
    "transactional_session",
    "unique_name",
]

_MODULES = {
    "clients": ("open_app_client", "open_async_app_client"),
    "clock": ("FrozenClock",),
    "contract": ("ContractReport", "assert_openapi_contract"),
    "database": ("BACKENDS", "Database", "open_database"),
    "isolation": (
        "PostgresSchema",
        "async_transactional_session",
        "postgres_schema",
        "postgres_url",
        "redis_url",
        "transactional_session",
        "unique_name",
    ),
    "events": ("EventBus",),
    "hooks": ("RecordedHooks",),
    "logs": ("LogCapture", "capture_log_lines"),
    "problems": ("assert_problem_response",),
    "process": ("child_env", "child_python_path"),
    "server": ("LiveServer", "free_port", "run_server"),
    "tokens": ("TokenFactory",),
    "upstream": ("FaultyUpstream", "RecordedRequest", "Reply"),
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'aurora.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"aurora.testing.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
