"""subject-service and catalog-service, each a real uvicorn process, working together.

The scenario crosses every seam the chassis provides: a JWT-protected write on
subject-service; its event through the outbox, the relay and Redis Streams into
catalog-service's consumer and inbox; catalog-service's resilient HTTP call back to
subject-service; then subject-service goes down (the breaker opens and callers get a
503 problem with ``Retry-After``) and comes back (the calls recover).

Each service is started as the container starts it (its ``main``), configured only
through ``AURORA_*`` variables: its own database (a PostgreSQL schema or a SQLite
file), Redis with a stream prefix unique to the test, and subject-service's URL for
catalog-service. Needs Redis, and PostgreSQL for the PostgreSQL variant: both are
skipped locally when unreachable and fail the run under ``CI``.
"""

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from e2e.platform_processes import (
    Platform,
    ServiceProcess,
    created_subject_reaches_the_catalog,
    eventually,
    redis_stream_prefix,
    rename_reaches_the_catalog,
    running_platform,
    service_databases,
)

from aurora.testing.problems import assert_problem_response

MISSING = "00000000-0000-7000-8000-000000000000"


@pytest.fixture(params=["postgresql", "sqlite"])
def database_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A database per service: two throw-away PostgreSQL schemas, or two SQLite files."""
    with service_databases(request.param, tmp_path) as urls:
        yield urls


@pytest.fixture()
def stream_prefix() -> Iterator[tuple[str, str]]:
    """Redis and a stream prefix no other test uses; its keys are deleted afterwards."""
    with redis_stream_prefix() as found:
        yield found


@pytest.fixture()
def platform(
    tmp_path: Path, database_urls: dict[str, str], stream_prefix: tuple[str, str]
) -> Iterator[Platform]:
    """Both services started (in parallel) and ready; stopped afterwards."""
    with running_platform(tmp_path, database_urls, stream_prefix) as running:
        yield running


def health_of(service: ServiceProcess) -> Callable[[], str]:
    """A probe of ``service``'s overall health status (``pass``/``warn``/``fail``)."""

    def probe() -> str:
        status: str = httpx.get(f"{service.url}/health").json()["status"]
        return status

    return probe


def test_a_subject_reaches_the_catalog_and_survives_an_outage(platform: Platform) -> None:
    subjects_url = f"{platform.subjects.url}/api/v1/subjects"
    enriched_url = f"{platform.catalog.url}/api/v1/catalog/subjects"

    # 1. A JWT-protected write on subject-service; without the token it is refused.
    body = {"code": "E2E-101", "name": "End to End", "description": "Across two services"}
    assert httpx.post(subjects_url, json=body).status_code == 401
    # 2. Its event travels outbox -> relay -> Redis Streams -> consumer -> inbox -> table,
    # and the correlation id crosses over.
    subject = created_subject_reaches_the_catalog(platform, body, "e2e-create-1")

    # 3. An update follows the same way.
    rename_reaches_the_catalog(platform, subject["id"], "End to End II")

    # 4. catalog-service calls subject-service over HTTP: both in step; a 404 stays a 404.
    enriched = httpx.get(f"{enriched_url}/{subject['id']}")
    assert enriched.status_code == 200, enriched.text
    assert enriched.json()["subject"]["name"] == "End to End II"
    assert enriched.json()["in_sync"] is True
    missing = httpx.get(f"{enriched_url}/{MISSING}", headers={"X-Request-ID": "e2e-404"})
    problem = assert_problem_response(missing, 404, code="not_found", correlation_id="e2e-404")
    assert MISSING in problem["detail"]  # subject-service's 404 stays a 404

    # 5. subject-service goes down: failures, then the breaker opens -> 503 + Retry-After.
    platform.subjects.stop()
    opened = eventually(
        lambda: httpx.get(f"{enriched_url}/{subject['id']}", headers={"X-Request-ID": "e2e-down"}),
        lambda response: response.json().get("code") == "circuit_open",
        "the circuit opening",
        platform,
    )
    assert_problem_response(opened, 503, code="circuit_open", correlation_id="e2e-down")
    assert int(opened.headers["retry-after"]) >= 1
    listing = httpx.get(f"{platform.catalog.url}/api/v1/catalog")
    assert listing.status_code == 200  # the local listing does not depend on subject-service
    health_is = health_of(platform.catalog)  # reports are cached for a second
    eventually(health_is, lambda status: status == "warn", "catalog health: warn", platform)

    # 6. subject-service comes back (same port, same data): calls recover.
    platform.subjects.start()
    platform.subjects.wait_live()
    recovered = eventually(
        lambda: httpx.get(f"{enriched_url}/{subject['id']}"),
        lambda response: response.status_code == 200,
        "the recovery",
        platform,
    )
    assert recovered.json()["subject"]["id"] == subject["id"]
    eventually(health_is, lambda status: status == "pass", "catalog health: pass", platform)
