"""The operational endpoints: ``/health/live``, ``/health/ready``, ``/health``, ``/info``, ``/metrics``.

Liveness answers from the process alone (restarting a pod because its database is
down only adds a restart to the outage); readiness runs the registered checks and
flips to 503 while draining; ``/health`` is the full report in the
``application/health+json`` shape (draft-inadarei-api-health-check), for humans
and dashboards.

Anyone may probe, so by default a caller reads statuses only: each check's output,
latency and details (which name backends and figures) go to callers whose bearer
token grants the configured scope, or to everyone where the settings say so (by
default in development and test). A failure's output is its kind, never driver
text (``_health``).
"""

from __future__ import annotations

from collections.abc import Collection, MutableSequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match

from aurora.app._health import HealthRegistry, HealthReport
from aurora.app._lifespan import Lifecycle
from aurora.app._metrics import HTTPMetrics
from aurora.app._security import token_verifier_for
from aurora.errors import AuroraError

__all__ = [
    "HEALTH_CONTENT_TYPE",
    "HealthDetails",
    "ServiceInfo",
    "install_probes",
    "move_probes_last",
]

HEALTH_CONTENT_TYPE = "application/health+json"
_TAGS: list[str | Enum] = ["operations"]
_PREFIX = "aurora."


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    """What ``/info`` and ``/health`` say about the running service."""

    name: str
    title: str
    version: str
    environment: str
    description: str = ""
    git_sha: str | None = None


@dataclass(frozen=True, slots=True)
class HealthDetails:
    """Who reads each check's output, latency and details; everyone else reads statuses."""

    everyone: bool = False
    scope: str | None = None

    async def shown_to(self, request: Request) -> bool:
        """Whether ``request``'s caller may read the details."""
        if self.everyone:
            return True
        return self.scope is not None and await _grants(request, self.scope)


async def _grants(request: Request, scope: str) -> bool:
    """Whether the request's bearer token is valid and grants ``scope``.

    A missing or invalid token is the public answer, never a 401: probes stay open.
    """
    verifier = token_verifier_for(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if verifier is None or scheme.lower() != "bearer" or not token.strip():
        return False
    try:
        principal = await verifier.averify(token.strip())
    except AuroraError:
        return False
    return principal.has_scopes(scope)


_HEALTH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status"],
    "properties": {
        "status": {"type": "string", "enum": ["pass", "warn", "fail"]},
        "output": {"type": "string"},
        "version": {"type": "string"},
        "releaseId": {"type": "string"},
        "serviceId": {"type": "string"},
        "description": {"type": "string"},
        "checks": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "object"}},
        },
    },
}


def _health_responses(*, can_fail: bool) -> dict[int | str, dict[str, Any]]:
    """What the document says a probe answers: health+json, not FastAPI's application/json."""
    content = {HEALTH_CONTENT_TYPE: {"schema": _HEALTH_SCHEMA}}
    responses: dict[int | str, dict[str, Any]] = {200: {"description": "Pass", "content": content}}
    if can_fail:
        responses[503] = {
            "description": "Fail: a critical check failed, or the service is draining",
            "content": content,
        }
    return responses


class HealthResponse(Response):
    """A health+json response; as ``response_class`` it sets the documented media type."""

    media_type = HEALTH_CONTENT_TYPE


def _health_response(body: dict[str, Any], ready: bool) -> Response:
    return HealthResponse(orjson.dumps(body), status_code=200 if ready else 503)


def _checks(report: HealthReport, show_details: bool) -> dict[str, list[dict[str, Any]]]:
    if not show_details:
        return {
            result.name: [{"componentId": result.name, "status": result.status}]
            for result in report.checks
        }
    return {result.name: [result.as_health_json(show_details=True)] for result in report.checks}


def install_probes(
    app: FastAPI,
    *,
    health: HealthRegistry,
    lifecycle: Lifecycle,
    info: ServiceInfo,
    details: HealthDetails,
    metrics: HTTPMetrics | None,
    metrics_path: str,
) -> None:
    """Add the operational routes to ``app``."""

    async def current() -> HealthReport:
        if lifecycle.draining:
            return HealthReport("fail", output="draining")
        return await health.report()

    @app.get(
        "/health/live",
        name="aurora.live",
        tags=_TAGS,
        summary="Liveness: the process is up",
        response_class=HealthResponse,
        responses=_health_responses(can_fail=False),
    )
    async def live() -> Response:
        return _health_response({"status": "pass"}, ready=True)

    @app.get(
        "/health/ready",
        name="aurora.ready",
        tags=_TAGS,
        summary="Readiness: dependencies answer",
        response_class=HealthResponse,
        responses=_health_responses(can_fail=True),
    )
    async def ready(request: Request) -> Response:
        report = await current()
        shown = await details.shown_to(request)
        body: dict[str, Any] = {"status": report.status, "checks": _checks(report, shown)}
        if report.output:
            body["output"] = report.output
        return _health_response(body, report.ready)

    @app.get(
        "/health",
        name="aurora.health",
        tags=_TAGS,
        summary="Health report (health+json)",
        response_class=HealthResponse,
        responses=_health_responses(can_fail=True),
    )
    async def summary(request: Request) -> Response:
        report = await current()
        shown = await details.shown_to(request)
        body: dict[str, Any] = {
            "status": report.status,
            "version": info.version,
            "serviceId": info.name,
            "description": info.description or info.title,
            "checks": _checks(report, shown),
        }
        if info.git_sha:
            body["releaseId"] = info.git_sha
        if report.output:
            body["output"] = report.output
        return _health_response(body, report.ready)

    @app.get("/info", name="aurora.info", tags=_TAGS, summary="Build and runtime information")
    async def service_info() -> dict[str, Any]:
        started = lifecycle.started_at
        return {
            "name": info.name,
            "title": info.title,
            "version": info.version,
            "environment": info.environment,
            "git_sha": info.git_sha,
            "started_at": started.isoformat(),
            "uptime_seconds": round((datetime.now(UTC) - started).total_seconds(), 3),
        }

    if metrics is not None:

        @app.get(metrics_path, name="aurora.metrics", include_in_schema=False)
        def scrape(request: Request) -> Response:
            # A sync route: exposition walks every series and belongs in a worker thread.
            payload, content_type = metrics.render(request.headers.get("accept"))
            return Response(payload, media_type=content_type)


def move_probes_last(routes: MutableSequence[BaseRoute], docs_paths: Collection[str] = ()) -> None:
    """Move the operational routes behind the service's own, unless one would shadow them.

    Starlette tries routes in order, and each miss costs a match (about 1 µs each with
    FastAPI's routes), so the five probe routes and the four docs routes FastAPI
    registers first (``docs_paths``: the OpenAPI document, Swagger UI and its OAuth2
    redirect, ReDoc) would tax every business request: measured, they were most of
    what a service's ``GET`` paid over bare FastAPI in process. A moved route stays
    in front only when a service route (a catch-all ``/{slug}``) would capture its path.
    """
    docs = frozenset(docs_paths)

    def operational(route: BaseRoute) -> bool:
        if getattr(route, "name", "").startswith(_PREFIX):
            return True
        # FastAPI's own docs routes are plain Starlette routes; a service's are APIRoutes.
        return not isinstance(route, APIRoute) and getattr(route, "path", None) in docs

    probes: list[BaseRoute] = []
    others: list[BaseRoute] = []
    for route in routes:
        (probes if operational(route) else others).append(route)
    shadowed = [probe for probe in probes if any(_captures(route, probe) for route in others)]
    routes[:] = [*shadowed, *others, *(probe for probe in probes if probe not in shadowed)]


def _captures(route: BaseRoute, probe: BaseRoute) -> bool:
    path = getattr(probe, "path", None)
    if path is None:
        return True
    scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": []}
    match, _ = route.matches(scope)
    return match is not Match.NONE
