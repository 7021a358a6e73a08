"""The other services Catalog Service calls, through aurora-http's resilient clients.

One :class:`~aurora.http.ClientRegistry` per running service: every call to a given
service shares its connection pool, circuit breaker and retry budget, and the pools
close at shutdown. Base URLs come from the config's service registry
(``services.yml``, ``AURORA_SERVICES__<NAME>__URL``). In a route::

    @router.get("/example")
    async def example(upstreams: Upstreams) -> Any:
        return await upstreams.client("subject-service").get_json("/api/v1/subjects")
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from aurora.app import Service
from aurora.config import ServiceConfig
from aurora.http import ClientRegistry, ServiceClient


@dataclass(frozen=True)
class UpstreamClients:
    """The clients of the services this one calls, configured from its config."""

    config: ServiceConfig
    registry: ClientRegistry

    def client(self, service: str) -> ServiceClient:
        """The pooled client of ``service`` (created on first use, closed at shutdown)."""
        return self.registry.client(service, config=self.config)


def install_clients(service: Service, config: ServiceConfig) -> UpstreamClients:
    """Give the service its upstream clients: closed at shutdown, breakers in ``/health``."""
    upstreams = UpstreamClients(config, ClientRegistry())
    service.app.state.upstreams = upstreams
    service.on_shutdown(upstreams.registry.aclose_all)
    # Optional: a dependency's open circuit degrades this service, it doesn't stop it.
    service.add_health_check("upstreams", upstreams.registry.check, critical=False)
    return upstreams


def get_upstreams(request: Request) -> UpstreamClients:
    """The running service's :class:`UpstreamClients` (a FastAPI dependency)."""
    upstreams: UpstreamClients = request.app.state.upstreams
    return upstreams


Upstreams = Annotated[UpstreamClients, Depends(get_upstreams)]
"""Declare ``upstreams: Upstreams`` on a route to call other services."""
