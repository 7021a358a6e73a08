"""The other services Catalog Service calls, through aurora-http's resilient clients.

One :class:`~aurora.http.ClientRegistry` per running service: every call to a given
service shares its connection pool, circuit breaker and retry budget, and the pools
close at shutdown. Base URLs come from the config's service registry
(``services.yml``, ``AURORA_SERVICES__<NAME>__URL``); the breakers' thresholds from
this service's settings.

What a caller of :class:`SubjectsClient` sees when subject-service misbehaves, all
as ``application/problem+json`` once aurora-app renders them:

* the subject does not exist: ``NotFoundError`` (404), as subject-service said;
* subject-service is down: ``ServiceUnavailableError`` (503) after the retries;
* its circuit is open: ``CircuitOpenError`` (503 ``circuit_open`` with
  ``Retry-After``), at once, without a network call;
* it fails (a 5xx) or answers something unreadable: ``UpstreamError`` (502).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request
from prometheus_client import CollectorRegistry
from pydantic import ValidationError

from aurora.config import ServiceConfig
from aurora.errors import (
    AuroraError,
    DeadlineExceededError,
    NotFoundError,
    ServiceUnavailableError,
    UpstreamError,
)
from aurora.http import ClientRegistry, ServiceClient
from aurora.utils import CircuitBreaker

from catalog_service.schemas import Subject
from catalog_service.settings import SUBJECT_SERVICE, Settings


@dataclass(frozen=True)
class UpstreamClients:
    """The clients of the services this one calls, configured from its config."""

    config: ServiceConfig
    registry: ClientRegistry

    def client(self, service: str) -> ServiceClient:
        """The pooled client of ``service`` (created on first use, closed at shutdown)."""
        return self.registry.client(service, config=self.config)

    @property
    def subjects(self) -> "SubjectsClient":
        """subject-service's API, typed."""
        return SubjectsClient(self.client(SUBJECT_SERVICE))


@dataclass(frozen=True)
class SubjectsClient:
    """The part of subject-service's API the catalog uses."""

    http: ServiceClient

    async def get(self, subject_id: UUID) -> Subject:
        """The live subject ``subject_id``.

        Raises:
            NotFoundError: subject-service has no such subject.
            ServiceUnavailableError: subject-service can't be reached, or its circuit is open.
            UpstreamError: subject-service failed or answered an unreadable body.
        """
        try:
            body = await self.http.get_json(f"/api/v1/subjects/{subject_id}")
        except NotFoundError as exc:
            # The same 404, but about what *this* API was asked for.
            raise NotFoundError("Subject", str(subject_id)) from exc
        except (ServiceUnavailableError, DeadlineExceededError, UpstreamError):
            raise  # 503 (circuit open included, with Retry-After), 504 and 502 as they are
        except AuroraError as exc:
            if exc.status < 500:
                raise
            # subject-service's own failure is a bad gateway to our callers, not our 500.
            raise UpstreamError(
                f"subject-service failed with HTTP {exc.status}",
                service=SUBJECT_SERVICE,
                upstream_status=exc.status,
            ) from exc
        try:
            return Subject.model_validate(body)
        except ValidationError as exc:
            raise UpstreamError(
                "subject-service answered with an unreadable subject", service=SUBJECT_SERVICE
            ) from exc


def breaker_factory(settings: Settings) -> Callable[[str], CircuitBreaker]:
    """Circuit breakers with this service's thresholds, one per upstream."""

    def build(name: str) -> CircuitBreaker:
        return CircuitBreaker(
            name,
            failure_rate_threshold=settings.breaker_failure_rate,
            sliding_window_size=settings.breaker_window,
            minimum_calls=settings.breaker_minimum_calls,
            open_duration=settings.breaker_open_seconds,
        )

    return build


def client_registry(settings: Settings, metrics: CollectorRegistry | None) -> ClientRegistry:
    """The catalog's clients: this service's breaker thresholds, its metrics registry."""
    # An open circuit to subject-service fails the "upstreams" check, which is optional
    # (aurora.http.install_clients): the catalog is degraded (its listing still works),
    # not unready, so /health says "warn" and /health/ready stays 200.
    return ClientRegistry(
        breaker_factory=breaker_factory(settings),
        metrics_registry=metrics,
        critical={SUBJECT_SERVICE},
    )


def get_upstreams(request: Request) -> UpstreamClients:
    """The running service's :class:`UpstreamClients` (a FastAPI dependency)."""
    upstreams: UpstreamClients = request.app.state.upstreams
    return upstreams


Upstreams = Annotated[UpstreamClients, Depends(get_upstreams)]
"""Declare ``upstreams: Upstreams`` on a route to call other services."""
