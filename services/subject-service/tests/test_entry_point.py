"""The README's main command: the entry point serves with nothing configured.

``./pants run services/subject-service`` runs ``subject_service.main:main``; here it
runs the same function in a child process, with no ``AURORA_*`` variable set and a
fresh working directory, so the SQLite default, the in-memory broker and the
migrations at start-up are what the first run of a fresh clone gets.
"""

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from aurora.testing.problems import assert_problem_response
from aurora.testing.process import child_env
from aurora.testing.server import free_port

START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


@dataclass
class Served:
    """The child process, where it should listen and the file its output goes to."""

    process: subprocess.Popen[bytes]
    base_url: str
    output: Path

    def stop(self) -> int:
        """Ctrl-C, as a developer stops it; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def unconfigured_env() -> dict[str, str]:
    return {key: value for key, value in child_env().items() if not key.startswith("AURORA_")}


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[Served]:
    """The service started by its entry point on a free port, in an empty directory."""
    port = free_port()
    code = "from subject_service.main import main; main()"
    output = tmp_path / "output.log"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-c", code, "--port", str(port)],
            cwd=tmp_path,
            env=unconfigured_env(),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    served = Served(process, f"http://127.0.0.1:{port}", output)
    try:
        wait_until_live(served)
        yield served
    finally:
        served.stop()


def wait_until_live(served: Served) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            pytest.fail(f"the service exited early:\n{served.output.read_text()}")
        try:
            if httpx.get(f"{served.base_url}/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"no answer on {served.base_url} within {START_TIMEOUT}s")


def test_serves_subjects_from_a_fresh_directory(served: Served, tmp_path: Path) -> None:
    subjects = httpx.get(f"{served.base_url}/api/v1/subjects")
    ready = httpx.get(f"{served.base_url}/health/ready")

    assert subjects.status_code == 200
    assert subjects.json() == {"items": [], "next_cursor": None, "prev_cursor": None}
    assert ready.status_code == 200, ready.text
    assert (tmp_path / "data" / "subject-service" / "subject-service.db").is_file()


def test_refuses_writes_until_a_jwt_key_is_configured(served: Served) -> None:
    body = {"code": "MATH-101", "name": "Mathematics"}

    response = httpx.post(f"{served.base_url}/api/v1/subjects", json=body)

    assert_problem_response(response, 500)
    assert "subject_writes_disabled" in served.output.read_text()


def test_says_where_it_listens_and_stops_on_ctrl_c(served: Served) -> None:
    code = served.stop()

    output = served.output.read_text()
    assert f"Uvicorn running on {served.base_url}" in output
    assert code == 0, output
    assert "Traceback" not in output
