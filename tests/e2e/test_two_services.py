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

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import redis

from aurora.testing.databases import postgres_schema, redis_url, unique_name
from aurora.testing.problems import assert_problem_response
from aurora.testing.process import child_env
from aurora.testing.server import free_port
from aurora.testing.tokens import TokenFactory

START_TIMEOUT = 30.0
WAIT_TIMEOUT = 15.0
BREAKER_OPEN_SECONDS = 1.0
MISSING = "00000000-0000-7000-8000-000000000000"
T = TypeVar("T")


@dataclass
class ServiceProcess:
    """One service run by its entry point in a child process, on a fixed port."""

    name: str
    port: int
    env: dict[str, str]
    workdir: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / f"{self.name}.log"

    def start(self) -> None:
        """Launch it (again, on the same port and data); :meth:`wait_live` waits for it."""
        package = self.name.replace("-", "_")
        code = f"from {package}.main import main; main()"
        self.starts += 1
        with self.log.open("ab") as sink:
            sink.write(f"----- start {self.starts}\n".encode())
            sink.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-c", code],
                cwd=self.workdir,
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )

    def wait_live(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                pytest.fail(f"{self.name} exited during start-up:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/health/ready", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        pytest.fail(f"{self.name} not ready within {START_TIMEOUT}s:\n{self.output()}")

    def stop(self) -> None:
        """SIGTERM, as an orchestrator stops it; killed if it doesn't exit in time."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:] if self.log.exists() else ""


@dataclass
class Platform:
    """The two running services and what the test needs to call them."""

    subjects: ServiceProcess
    catalog: ServiceProcess
    tokens: TokenFactory

    def logs(self) -> str:
        return "\n".join(f"===== {s.name}\n{s.output()}" for s in (self.subjects, self.catalog))


@pytest.fixture(params=["postgresql", "sqlite"])
def database_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A database per service: two throw-away PostgreSQL schemas, or two SQLite files."""
    if request.param == "sqlite":
        yield {name: f"sqlite:///{tmp_path / name}.db" for name in ("subjects", "catalog")}
        return
    with (
        postgres_schema(prefix="e2e_subjects") as subjects,
        postgres_schema(prefix="e2e_catalog") as catalog,
    ):
        yield {"subjects": subjects.url, "catalog": catalog.url}


@pytest.fixture()
def stream_prefix() -> Iterator[tuple[str, str]]:
    """Redis and a stream prefix no other test uses; its keys are deleted afterwards."""
    url = redis_url()
    prefix = unique_name("e2e") + ":"
    yield url, prefix
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture()
def platform(
    tmp_path: Path, database_urls: dict[str, str], stream_prefix: tuple[str, str]
) -> Iterator[Platform]:
    """Both services started (in parallel) and ready; stopped afterwards."""
    redis_address, prefix = stream_prefix
    tokens = TokenFactory.hs256(subject="e2e-editor")
    common = {
        "AURORA_SERVICE__ENVIRONMENT": "test",
        "AURORA_LOGGING__FORMAT": "json",
        "AURORA_REDIS__URL": redis_address,
        "AURORA_EVENTS__BACKEND": "redis",
        "AURORA_EVENTS__STREAM_PREFIX": prefix,
        "AURORA_EVENTS__BLOCK": "0.2",  # consumer reads wake this often (and stop this fast)
        "AURORA_EVENTS__RELAY_POLL_INTERVAL": "0.2",
    }
    subjects_port = free_port()
    subjects = ServiceProcess(
        "subject-service",
        subjects_port,
        child_env(
            {
                **common,
                "AURORA_SERVICE__PORT": str(subjects_port),
                "AURORA_DATABASE__URL": database_urls["subjects"],
                "AURORA_SECURITY__JWT_SECRET": tokens.security["jwt_secret"],
            }
        ),
        tmp_path,
    )
    catalog_port = free_port()
    catalog = ServiceProcess(
        "catalog-service",
        catalog_port,
        child_env(
            {
                **common,
                "AURORA_SERVICE__PORT": str(catalog_port),
                "AURORA_DATABASE__URL": database_urls["catalog"],
                "AURORA_SERVICES__SUBJECT_SERVICE__URL": subjects.url,
                "AURORA_SERVICES__SUBJECT_SERVICE__CONNECT_TIMEOUT": "1",
                "AURORA_SERVICES__SUBJECT_SERVICE__TIMEOUT": "5",
                "AURORA_CATALOG_SERVICE__BREAKER_MINIMUM_CALLS": "2",
                "AURORA_CATALOG_SERVICE__BREAKER_WINDOW": "4",
                "AURORA_CATALOG_SERVICE__BREAKER_OPEN_SECONDS": str(BREAKER_OPEN_SECONDS),
            }
        ),
        tmp_path,
    )
    with ExitStack() as stack:
        for service in (subjects, catalog):
            stack.callback(service.stop)
            service.start()
        for service in (subjects, catalog):
            service.wait_live()
        yield Platform(subjects, catalog, tokens)


def eventually(
    probe: Callable[[], T], done: Callable[[T], bool], what: str, platform: Platform
) -> T:
    """Call ``probe`` until ``done`` holds for its result (bounded); fail with both logs."""
    deadline = time.monotonic() + WAIT_TIMEOUT
    while True:
        result = probe()
        if done(result):
            return result
        if time.monotonic() > deadline:
            pytest.fail(
                f"{what} did not happen in {WAIT_TIMEOUT}s; last: {result!r}\n{platform.logs()}"
            )
        time.sleep(0.05)


def health_of(service: ServiceProcess) -> Callable[[], str]:
    """A probe of ``service``'s overall health status (``pass``/``warn``/``fail``)."""

    def probe() -> str:
        status: str = httpx.get(f"{service.url}/health").json()["status"]
        return status

    return probe


def catalog_entry(platform: Platform, subject_id: str) -> dict[str, Any] | None:
    items = httpx.get(f"{platform.catalog.url}/api/v1/catalog").json()["items"]
    return next((item for item in items if item["subject_id"] == subject_id), None)


def test_a_subject_reaches_the_catalog_and_survives_an_outage(platform: Platform) -> None:
    writer = platform.tokens.headers("subjects:write")
    subjects_url = f"{platform.subjects.url}/api/v1/subjects"
    enriched_url = f"{platform.catalog.url}/api/v1/catalog/subjects"

    # 1. A JWT-protected write on subject-service; without the token it is refused.
    body = {"code": "E2E-101", "name": "End to End", "description": "Across two services"}
    assert httpx.post(subjects_url, json=body).status_code == 401
    created = httpx.post(
        subjects_url, json=body, headers={**writer, "X-Request-ID": "e2e-create-1"}
    )
    assert created.status_code == 201, created.text
    subject = created.json()

    # 2. Its event travels outbox -> relay -> Redis Streams -> consumer -> inbox -> table.
    entry = eventually(
        lambda: catalog_entry(platform, subject["id"]), bool, "the created event", platform
    )
    assert entry is not None and (entry["code"], entry["subject_version"]) == ("E2E-101", 1)
    assert "e2e-create-1" in platform.catalog.output()  # the correlation id crossed over

    # 3. An update follows the same way.
    patched = httpx.patch(
        f"{subjects_url}/{subject['id']}", json={"name": "End to End II"}, headers=writer
    )
    assert patched.status_code == 200, patched.text
    eventually(
        lambda: catalog_entry(platform, subject["id"]),
        lambda found: found is not None and found["subject_version"] == 2,
        "the updated event",
        platform,
    )

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
