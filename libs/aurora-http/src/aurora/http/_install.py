"""``install_clients``: the one call that plugs a service's upstream clients into the service.

The pooled clients close at shutdown and the circuit breakers report in the optional
``upstreams`` health check: an open circuit to a dependency degrades the service
(``warn``), it does not make it unready, unless the registry names that dependency
``critical`` (then the check fails, still without failing readiness: the check is
optional). The service is any :class:`aurora.utils.ServiceHooks` (aurora-app's
``Service`` is one), so this lib never imports aurora-app.
"""

from __future__ import annotations

from aurora.http._registry import ClientRegistry
from aurora.utils import ServiceHooks

__all__ = ["install_clients"]


def install_clients(hooks: ServiceHooks, registry: ClientRegistry | None = None) -> ClientRegistry:
    """Close ``registry``'s clients when the service stops and report its circuits.

    Args:
        hooks: The service (``on_startup``, ``on_shutdown``, ``add_health_check``).
        registry: The service's clients, breakers and budgets; a default one when omitted.

    Returns:
        The registry, to create clients from (``registry.client("subject-service")``).
    """
    registry = registry if registry is not None else ClientRegistry()
    hooks.on_shutdown(registry.aclose_all)
    hooks.add_health_check("upstreams", registry.health_check(), critical=False)
    return registry
