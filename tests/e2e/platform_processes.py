"""The two example services as real processes, shared by the end-to-end tests.

Each service is started as the container starts it (its ``main``), configured only
through ``AURORA_*`` variables (plus any extra ones a test adds, such as ``OTEL_*``):
its own database (a PostgreSQL schema or a SQLite file), Redis with a stream prefix
unique to the test, and subject-service's URL for catalog-service.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import redis

from aurora.testing.isolation import postgres_schema, redis_url, unique_name
from aurora.testing.process import child_env
from aurora.testing.server import free_port
from aurora.testing.tokens import TokenFactory

START_TIMEOUT = 90.0  # two cold interpreters importing the whole chassis on a busy machine
WAIT_TIMEOUT = 15.0
BREAKER_OPEN_SECONDS = 1.0
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


@contextmanager
def service_databases(kind: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """A database per service: two throw-away PostgreSQL schemas, or two SQLite files."""
    if kind == "sqlite":
        yield {name: f"sqlite:///{tmp_path / name}.db" for name in ("subjects", "catalog")}
        return
    with (
        postgres_schema(prefix="e2e_subjects") as subjects,
        postgres_schema(prefix="e2e_catalog") as catalog,
    ):
        yield {"subjects": subjects.url, "catalog": catalog.url}


@contextmanager
def redis_stream_prefix() -> Iterator[tuple[str, str]]:
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


@contextmanager
def running_platform(
    tmp_path: Path,
    database_urls: Mapping[str, str],
    stream_prefix: tuple[str, str],
    extra_env: Mapping[str, str] | None = None,
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
        **(extra_env or {}),
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


def catalog_entry(platform: Platform, subject_id: str) -> dict[str, Any] | None:
    """catalog-service's entry for ``subject_id``, if its projection has one yet."""
    items = httpx.get(f"{platform.catalog.url}/api/v1/catalog").json()["items"]
    return next((item for item in items if item["subject_id"] == subject_id), None)


def created_subject_reaches_the_catalog(
    platform: Platform, body: dict[str, str], request_id: str
) -> dict[str, Any]:
    """POST ``body`` to subject-service; wait for catalog-service's version 1 of it.

    The request id must cross over too: catalog-service logs it while projecting.
    """
    created = httpx.post(
        f"{platform.subjects.url}/api/v1/subjects",
        json=body,
        headers={**platform.tokens.headers("subjects:write"), "X-Request-ID": request_id},
    )
    assert created.status_code == 201, created.text
    subject: dict[str, Any] = created.json()
    entry = eventually(
        lambda: catalog_entry(platform, subject["id"]), bool, "the created event", platform
    )
    assert entry is not None and (entry["code"], entry["subject_version"]) == (body["code"], 1)
    assert request_id in platform.catalog.output()
    return subject


def rename_reaches_the_catalog(platform: Platform, subject_id: str, name: str) -> None:
    """PATCH the subject's name on subject-service; wait for version 2 in the catalog."""
    patched = httpx.patch(
        f"{platform.subjects.url}/api/v1/subjects/{subject_id}",
        json={"name": name},
        headers=platform.tokens.headers("subjects:write"),
    )
    assert patched.status_code == 200, patched.text
    eventually(
        lambda: catalog_entry(platform, subject_id),
        lambda found: found is not None and found["subject_version"] == 2,
        "the updated event",
        platform,
    )
