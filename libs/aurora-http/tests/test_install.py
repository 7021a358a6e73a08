"""install_clients: pools closed at shutdown, circuits in the optional ``upstreams`` check."""

from __future__ import annotations

import pytest

from aurora.errors import ServiceUnavailableError
from aurora.http import ClientRegistry, install_clients
from aurora.testing.hooks import RecordedHooks
from aurora.utils import CircuitBreaker


def test_the_registry_closes_at_shutdown_and_reports_optionally() -> None:
    hooks = RecordedHooks()

    registry = install_clients(hooks)

    assert hooks.shutdown == [registry.aclose_all]
    assert hooks.critical == {"upstreams": False}


async def test_an_open_critical_circuit_fails_the_check() -> None:
    registry = ClientRegistry(
        critical={"subject-service"},
        breaker_factory=lambda name: CircuitBreaker(name, minimum_calls=1, sliding_window_size=1),
    )
    hooks = RecordedHooks()
    install_clients(hooks, registry)
    breaker = registry.breaker("subject-service")
    breaker.record_failure()

    with pytest.raises(ServiceUnavailableError):
        await hooks.check("upstreams")


async def test_closed_circuits_are_listed() -> None:
    registry = ClientRegistry()
    registry.breaker("subject-service")
    hooks = RecordedHooks()
    install_clients(hooks, registry)

    assert await hooks.check("upstreams") == {"circuits": {"subject-service": "closed"}}
