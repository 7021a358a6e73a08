"""Over the wire: real uvicorn servers, on loopback, started by the test."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel

from aurora.app import Service
from aurora.testing.process import child_env
from aurora.testing.server import LiveServer, free_port, run_server

MakeService = Callable[..., Service]


class Payload(BaseModel):
    value: int


@pytest.fixture()
def hook_calls() -> list[str]:
    return []


@pytest.fixture()
def service(make_service: MakeService, hook_calls: list[str]) -> Service:
    service = make_service()
    service.on_startup(lambda: hook_calls.append("started"))
    service.on_shutdown(lambda: hook_calls.append("stopped"))
    app = service.app

    @app.get("/ok")
    async def ok() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/validate")
    async def validate(payload: Payload) -> Payload:
        return payload

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("secret internals")

    return service


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/ok", 200),
        ("GET", "/missing", 404),
        ("POST", "/validate", 422),
        ("GET", "/crash", 500),
    ],
)
def test_correlation_id_is_echoed_over_http(
    service: Service, method: str, path: str, status: int
) -> None:
    with run_server(service.app) as url:
        response = httpx.request(method, url + path, headers={"X-Request-ID": "wire-1"}, json={})
    assert response.status_code == status
    assert response.headers["x-request-id"] == "wire-1"
    if status >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["correlation_id"] == "wire-1"


def test_500_over_http_reveals_nothing(service: Service) -> None:
    with run_server(service.app) as url:
        response = httpx.get(url + "/crash")
    assert response.status_code == 500
    assert "secret" not in response.text
    assert "RuntimeError" not in response.text


def test_lifecycle_hooks_run_with_uvicorn(service: Service, hook_calls: list[str]) -> None:
    with run_server(service.app) as url:
        assert hook_calls == ["started"]
        assert httpx.get(url + "/health/ready").json()["status"] == "pass"
    assert hook_calls == ["started", "stopped"]
    assert service.draining


def test_metrics_over_http(service: Service) -> None:
    with run_server(service.app) as url, httpx.Client(base_url=url) as client:
        client.get("/ok")
        text = client.get("/metrics").text
    assert 'http_requests_total{method="GET",route="/ok",status="2xx"} 1.0' in text


def test_live_server_reports_a_failed_startup(make_service: MakeService) -> None:
    service = make_service()

    @service.on_startup
    def broken() -> None:
        raise RuntimeError("cannot start")

    with pytest.raises(RuntimeError, match="during startup"):
        LiveServer(service.app).start()


SCRIPT = textwrap.dedent("""
    import os
    import signal
    import sys
    from aurora.app import Service, create_service, main
    from aurora.config import ServiceConfig

    # As in a terminal, even when the test runner was started with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def build():
        config = ServiceConfig.composed().model_validate({"service": {"name": "drain-demo", "port": 1}})
        drain = float(os.environ.get("DEMO_DRAIN_SECONDS", "3"))
        service = create_service("drain-demo", config, drain_seconds=drain, configure_logging=False)
        service.on_shutdown(lambda: print("shutdown hook ran", flush=True))
        return service

    main(build, sys.argv[1:])
    """)


def wait_for(url: str, status: int, timeout: float = 15.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = httpx.get(url, timeout=1.0)
            if response.status_code == status:
                return response
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} never answered {status}")
        time.sleep(0.02)


def test_sigterm_drains_then_stops(tmp_path: Path) -> None:
    """main() serves on --port; SIGTERM turns readiness off while still serving, then stops."""
    port = free_port()
    script = tmp_path / "serve.py"
    script.write_text(SCRIPT)
    env = child_env()
    process = subprocess.Popen(
        [sys.executable, str(script), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/health/ready", 200)
        process.send_signal(signal.SIGTERM)
        draining = wait_for(base + "/health/ready", 503, timeout=2.5)
        assert draining.json()["output"] == "draining"
        assert httpx.get(base + "/health/live").status_code == 200  # still serving
        output, _ = process.communicate(timeout=15)
    finally:
        process.kill()
    assert "shutdown hook ran" in output
    assert process.returncode in (0, -signal.SIGTERM)


def test_ctrl_c_stops_cleanly_with_exit_code_0(tmp_path: Path) -> None:
    """SIGINT: graceful shutdown (hooks run), then exit 0 without a traceback."""
    port = free_port()
    script = tmp_path / "serve.py"
    script.write_text(SCRIPT)
    process = subprocess.Popen(
        [sys.executable, str(script), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**child_env(), "DEMO_DRAIN_SECONDS": "0"},
        text=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/health/ready", 200)
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=15)
    finally:
        process.kill()
    assert "shutdown hook ran" in output
    assert "Traceback" not in output
    assert "KeyboardInterrupt" not in output
    assert process.returncode == 0


def test_an_invalid_configuration_is_one_log_line_and_exit_status_2(tmp_path: Path) -> None:
    script = tmp_path / "bad_service.py"
    script.write_text(textwrap.dedent("""
            from aurora.app import create_service, main
            from aurora.config import ServiceConfig

            def build():
                config = ServiceConfig.composed().model_validate({"service": {"name": "bad"}})
                return create_service("bad", config, request_deadline=-1)

            main(build, [])
            """))
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=child_env(), timeout=60
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert '"invalid_configuration"' in lines[0]
    assert "request_deadline" in lines[0]
    assert "Traceback" not in result.stderr
