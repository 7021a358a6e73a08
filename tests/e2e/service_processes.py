"""Running subject-service and catalog-service as real processes, for the e2e tests.

Each service is started as the container starts it (its ``main``), configured only
through ``AURORA_*`` variables; the event transport's variables come from the test,
so one scenario runs on Redis Streams and on NATS JetStream alike.
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

from aurora.testing.process import child_env
from aurora.testing.server import free_port
from aurora.testing.tokens import TokenFactory

START_TIMEOUT = 30.0
WAIT_TIMEOUT = 15.0
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
def launch_platform(
    tmp_path: Path,
    database_urls: Mapping[str, str],
    events_env: Mapping[str, str],
    *,
    breaker_open_seconds: float = 1.0,
) -> Iterator[Platform]:
    """Both services started (in parallel) and ready, with ``events_env`` for the transport."""
    tokens = TokenFactory.hs256(subject="e2e-editor")
    common = {
        "AURORA_SERVICE__ENVIRONMENT": "test",
        "AURORA_LOGGING__FORMAT": "json",
        **events_env,
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
                "AURORA_CATALOG_SERVICE__BREAKER_OPEN_SECONDS": str(breaker_open_seconds),
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
    items = httpx.get(f"{platform.catalog.url}/api/v1/catalog").json()["items"]
    return next((item for item in items if item["subject_id"] == subject_id), None)
