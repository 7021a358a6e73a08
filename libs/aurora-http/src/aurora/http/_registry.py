"""One place per process for the resilience state and pooled clients of every service.

A breaker or a retry budget only works if every call to a service shares it, so
they live here, keyed by service name, rather than in each client. Pooled
clients live here too, so a service opens one connection pool per dependency
and closes them all on shutdown::

    registry = ClientRegistry(critical={"subject-service"})
    install_clients(service, registry)  # closed at shutdown, circuits in /health
    subjects = await registry.client("subject-service").get_json("/api/v1/subjects")
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry

from aurora.errors import ServiceUnavailableError
from aurora.http._budget import RetryBudget
from aurora.http._metrics import ServiceMetrics
from aurora.http._pipeline import ServicePipeline
from aurora.http._retry import RetryPolicy
from aurora.utils import CircuitBreaker, CircuitState, HealthCheck

if TYPE_CHECKING:
    from aurora.http._client import ServiceClient
    from aurora.http._sync import SyncServiceClient

__all__ = ["ClientRegistry"]


class ClientRegistry:
    """Per-service breakers, retry budgets, metrics and pooled clients.

    Args:
        policy: Default retry policy of clients created against this registry.
        breaker_factory: Builds the breaker of a service from its name (inject one
            with a fake clock in tests); Resilience4j-like defaults otherwise.
        budget_factory: Builds the retry budget of a service from its name.
        metrics_registry: Prometheus registry; the default one when omitted.
        critical: Services whose open circuit makes :meth:`health_check` fail.
    """

    def __init__(
        self,
        *,
        policy: RetryPolicy | None = None,
        breaker_factory: Callable[[str], CircuitBreaker] | None = None,
        budget_factory: Callable[[str], RetryBudget] | None = None,
        metrics_registry: CollectorRegistry | None = None,
        critical: Iterable[str] = (),
    ) -> None:
        self.policy = policy if policy is not None else RetryPolicy()
        self._breaker_factory = breaker_factory or (lambda name: CircuitBreaker(name))
        self._budget_factory = budget_factory or (lambda _name: RetryBudget())
        self._metrics_registry = metrics_registry
        self.critical = frozenset(critical)
        self._lock = threading.RLock()  # creating a client looks up its pipeline
        self._pipelines: dict[str, ServicePipeline] = {}
        self._clients: dict[str, ServiceClient] = {}
        self._sync_clients: dict[str, SyncServiceClient] = {}

    def pipeline(self, service: str) -> ServicePipeline:
        """The shared resilience state of ``service``, created on first use."""
        pipeline = self._pipelines.get(service)
        if pipeline is not None:
            return pipeline
        with self._lock:
            pipeline = self._pipelines.get(service)
            if pipeline is None:
                pipeline = ServicePipeline(
                    service,
                    breaker=self._breaker_factory(service),
                    budget=self._budget_factory(service),
                    metrics=ServiceMetrics(service, self._metrics_registry),
                )
                self._pipelines[service] = pipeline
            return pipeline

    def breaker(self, service: str) -> CircuitBreaker:
        """The circuit breaker of ``service`` (to inspect or reset it)."""
        return self.pipeline(service).breaker

    def client(self, service: str, base_url: str | None = None, **options: Any) -> ServiceClient:
        """The pooled async client of ``service``, created on first use.

        ``options`` are :class:`ServiceClient` arguments and only apply on creation.
        Don't close it yourself: :meth:`aclose_all` does, on shutdown.
        """
        from aurora.http._client import ServiceClient  # the clients import this module

        with self._lock:
            client = self._clients.get(service)
            if client is None:
                client = ServiceClient(service, base_url, registry=self, **options)
                self._clients[service] = client
        return client

    def sync_client(
        self, service: str, base_url: str | None = None, **options: Any
    ) -> SyncServiceClient:
        """The pooled sync client of ``service``; closed by :meth:`close_all`/:meth:`aclose_all`."""
        from aurora.http._sync import SyncServiceClient  # the clients import this module

        with self._lock:
            client = self._sync_clients.get(service)
            if client is None:
                client = SyncServiceClient(service, base_url, registry=self, **options)
                self._sync_clients[service] = client
            return client

    async def aclose_all(self) -> None:
        """Close every pooled client; register it as an application shutdown hook."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()
        self.close_all()

    def close_all(self) -> None:
        """Close every pooled sync client (async ones need :meth:`aclose_all`)."""
        with self._lock:
            clients, self._sync_clients = list(self._sync_clients.values()), {}
        for client in clients:
            client.close()

    def circuit_states(self) -> dict[str, str]:
        """Every known service's breaker state, by service name."""
        with self._lock:
            pipelines = dict(self._pipelines)
        return {name: str(p.breaker.state) for name, p in sorted(pipelines.items())}

    def health_check(self) -> HealthCheck:
        """A readiness check reporting every circuit state; fails if a critical one is open.

        Raises (from the check):
            ServiceUnavailableError: The circuit of a ``critical`` service is open.
        """
        return self.check

    async def check(self) -> dict[str, Any]:
        """The check :meth:`health_check` returns (deprecated: use that)."""
        states = self.circuit_states()
        down = sorted(
            name
            for name, state in states.items()
            if name in self.critical and state == CircuitState.OPEN
        )
        if down:
            raise ServiceUnavailableError(
                "circuit open for critical dependencies: " + ", ".join(down),
                context={"circuits": states},
            )
        return {"circuits": states}
