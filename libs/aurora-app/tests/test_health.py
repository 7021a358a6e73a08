"""Liveness, readiness (concurrent, timed out, critical vs optional, cached), summary, info."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from starlette.testclient import TestClient

from aurora.app import HEALTH_CONTENT_TYPE, HealthRegistry, Service
from aurora.testing.tokens import TokenFactory

MakeService = Callable[..., Service]


async def healthy() -> dict[str, int]:
    return {"connections": 3}


async def broken() -> None:
    raise ConnectionError("connection refused")


async def slow() -> None:
    await asyncio.sleep(5)


def test_liveness_never_runs_checks(make_service: MakeService) -> None:
    service = make_service()
    calls = []

    async def counting() -> None:
        calls.append(1)
        raise ConnectionError("down")

    service.add_health_check("db", counting)
    response = TestClient(service.app).get("/health/live")
    assert response.status_code == 200
    assert response.headers["content-type"] == HEALTH_CONTENT_TYPE
    assert response.json() == {"status": "pass"}
    assert calls == []


def test_ready_without_checks_passes(make_service: MakeService) -> None:
    response = TestClient(make_service().app).get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "pass", "checks": {}}


def test_ready_reports_check_details(make_service: MakeService) -> None:
    service = make_service()
    service.add_health_check("db", healthy)
    body = TestClient(service.app).get("/health/ready").json()
    [entry] = body["checks"]["db"]
    assert entry["status"] == "pass"
    assert entry["details"] == {"connections": 3}
    assert entry["observedUnit"] == "ms"


def test_slow_check_times_out_and_fails_readiness(make_service: MakeService) -> None:
    service = make_service()
    service.add_health_check("slow", slow, timeout=0.05)
    response = TestClient(service.app).get("/health/ready")
    assert response.status_code == 503
    [entry] = response.json()["checks"]["slow"]
    assert entry["status"] == "fail"
    assert entry["output"] == "timed out after 0.05s"


def test_failing_optional_check_keeps_the_service_ready(make_service: MakeService) -> None:
    service = make_service()
    service.add_health_check("db", healthy)
    service.add_health_check("cache", broken, critical=False)
    response = TestClient(service.app).get("/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "warn"
    # The kind of failure only: driver text (hosts, users) stays in the log.
    assert body["checks"]["cache"][0]["output"] == "failed: ConnectionError"


def test_failing_critical_check_makes_the_service_unready(make_service: MakeService) -> None:
    service = make_service()
    service.add_health_check("db", broken)
    service.add_health_check("cache", healthy, critical=False)
    response = TestClient(service.app).get("/health/ready")
    assert response.status_code == 503
    assert response.json()["status"] == "fail"


def test_details_can_be_hidden(make_service: MakeService) -> None:
    service = make_service(health_show_details=False)
    service.add_health_check("db", broken)
    [entry] = TestClient(service.app).get("/health/ready").json()["checks"]["db"]
    assert entry == {"componentId": "db", "status": "fail"}


@pytest.mark.parametrize("path", ["/health", "/health/ready"])
def test_in_production_the_public_reads_statuses_only(make_service: MakeService, path: str) -> None:
    service = make_service(service={"environment": "production"})
    service.add_health_check("db", healthy)
    service.add_health_check("cache", broken, critical=False)
    checks = TestClient(service.app).get(path).json()["checks"]
    assert checks == {
        "db": [{"componentId": "db", "status": "pass"}],
        "cache": [{"componentId": "cache", "status": "fail"}],
    }


@pytest.mark.parametrize(
    ("granted", "shown"), [(("ops:health",), True), (("subjects:write",), False)]
)
def test_a_token_with_the_details_scope_reads_details(
    make_service: MakeService, granted: tuple[str, ...], shown: bool
) -> None:
    tokens = TokenFactory.hs256()
    service = make_service(
        service={"environment": "production"},
        security=tokens.security,
        health_details_scope="ops:health",
    )
    service.add_health_check("cache", broken, critical=False)
    response = TestClient(service.app).get("/health", headers=tokens.headers(*granted))
    [entry] = response.json()["checks"]["cache"]
    assert ("output" in entry, "observedValue" in entry) == (shown, shown)


def test_an_invalid_token_reads_statuses_not_a_401(make_service: MakeService) -> None:
    tokens = TokenFactory.hs256()
    service = make_service(
        service={"environment": "production"},
        security=tokens.security,
        health_details_scope="ops:health",
    )
    service.add_health_check("db", healthy)
    response = TestClient(service.app).get(
        "/health/ready", headers={"Authorization": "Bearer not-a-token"}
    )
    assert response.status_code == 200
    assert response.json()["checks"]["db"] == [{"componentId": "db", "status": "pass"}]


async def test_checks_run_concurrently() -> None:
    """Each check waits for the other to start: sequential execution would time out."""
    registry = HealthRegistry(cache_ttl=0)
    started = {"a": asyncio.Event(), "b": asyncio.Event()}

    def waiting_for(me: str, other: str) -> Callable[[], Awaitable[None]]:
        async def check() -> None:
            started[me].set()
            await started[other].wait()

        return check

    registry.add("a", waiting_for("a", "b"), timeout=2)
    registry.add("b", waiting_for("b", "a"), timeout=2)
    report = await registry.report()
    assert report.status == "pass"


async def test_results_are_cached_and_shared() -> None:
    now = [0.0]
    calls = []

    async def check() -> None:
        calls.append(1)
        await asyncio.sleep(0.01)

    registry = HealthRegistry(cache_ttl=1.0, clock=lambda: now[0])
    registry.add("db", check)
    await asyncio.gather(registry.report(), registry.report(), registry.report())
    assert len(calls) == 1  # concurrent probes share one round
    await registry.report()
    assert len(calls) == 1  # still cached
    now[0] = 1.5
    await registry.report()
    assert len(calls) == 2


async def test_sync_checks_run_in_a_thread() -> None:
    registry = HealthRegistry(cache_ttl=0)
    registry.add("disk", lambda: {"free": 1})
    report = await registry.report()
    assert report.checks[0].details == {"free": 1}


def test_draining_service_is_not_ready_without_running_checks(make_service: MakeService) -> None:
    service = make_service()
    service.add_health_check("db", healthy)
    client = TestClient(service.app)
    assert client.get("/health/ready").status_code == 200
    service.begin_draining()
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["output"] == "draining"
    assert client.get("/health/live").status_code == 200


def test_summary_is_health_json(make_service: MakeService) -> None:
    service = make_service(git_sha="abc123")
    service.add_health_check("db", healthy)
    response = TestClient(service.app).get("/health")
    assert response.status_code == 200
    assert response.headers["content-type"] == HEALTH_CONTENT_TYPE
    body = response.json()
    assert body["status"] == "pass"
    assert body["serviceId"] == "demo-service"
    assert body["version"] == "1.2.3"
    assert body["releaseId"] == "abc123"
    assert body["checks"]["db"][0]["componentId"] == "db"


def test_summary_fails_with_a_critical_failure(make_service: MakeService) -> None:
    service = make_service()
    service.add_health_check("db", broken)
    assert TestClient(service.app).get("/health").status_code == 503


def test_info_describes_the_service(make_service: MakeService) -> None:
    service = make_service(service={"environment": "staging"}, git_sha="abc123")
    body = TestClient(service.app).get("/info").json()
    assert body["name"] == "demo-service"
    assert body["version"] == "1.2.3"
    assert body["environment"] == "staging"
    assert body["git_sha"] == "abc123"
    assert body["uptime_seconds"] >= 0
    assert body["started_at"].endswith("+00:00")


@pytest.mark.parametrize("path", ["/health/live", "/health/ready", "/health", "/info"])
def test_probes_carry_the_correlation_header(make_service: MakeService, path: str) -> None:
    response = TestClient(make_service().app).get(path, headers={"X-Request-ID": "probe-1"})
    assert response.headers["x-request-id"] == "probe-1"
