"""Calling another service through the upstream clients, against a real server."""

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from aurora.http import ClientRegistry
from aurora.testing.server import run_server

from catalog_service.app import load_config
from catalog_service.clients import UpstreamClients


def upstream_app() -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/ping")
    async def ping() -> dict[str, Any]:
        return {"pong": True}

    return app


async def test_calls_a_registered_service_by_name() -> None:
    with run_server(upstream_app()) as base_url:
        config = load_config(services__upstream__url=base_url)
        upstreams = UpstreamClients(config, ClientRegistry())
        try:
            body = await upstreams.client("upstream").get_json("/api/v1/ping")
        finally:
            await upstreams.registry.aclose_all()

    assert body == {"pong": True}


def test_reports_upstream_circuits_in_health(client: TestClient) -> None:
    body = client.get("/health").json()

    assert body["checks"]["upstreams"][0]["status"] == "pass"
