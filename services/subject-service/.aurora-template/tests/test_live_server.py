"""Subject Service behind a real uvicorn server on a free port, called over HTTP."""

import httpx

from aurora.app import Service
from aurora.testing.server import run_server


def test_serves_its_api_over_http(service: Service) -> None:
    with run_server(service.app) as base_url, httpx.Client(base_url=base_url) as http:
        live = http.get("/health/live")
        ready = http.get("/health/ready")
        created = http.post("/api/v1/subjects", json={"name": "over-http"})
        fetched = http.get(f"/api/v1/subjects/{created.json()['id']}")

    assert live.status_code == 200
    assert ready.status_code == 200, ready.text
    assert created.status_code == 201, created.text
    assert fetched.json()["name"] == "over-http"
