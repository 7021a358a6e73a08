"""The public surface can't grow or shrink by accident."""

from __future__ import annotations

import pytest

import aurora.testing

EXPECTED = [
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


def test_all_is_the_sorted_public_surface() -> None:
    assert aurora.testing.__all__ == EXPECTED
    assert sorted(EXPECTED, key=lambda name: (not name.isupper(), name)) == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_each_name_resolves_to_its_modules_object(name: str) -> None:
    value = getattr(aurora.testing, name)
    assert value is not None
    assert name in dir(aurora.testing)


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        aurora.testing.nothing  # noqa: B018
