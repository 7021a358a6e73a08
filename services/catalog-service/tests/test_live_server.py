"""Catalog Service behind a real uvicorn server on a free port, calling subject-service's stand-in."""

import httpx

from aurora.app import Service
from aurora.testing.server import run_server
from aurora.testing.upstream import FaultyUpstream, Reply

from catalog_support import new_subject


def test_serves_its_api_over_http(service: Service, upstream: FaultyUpstream) -> None:
    subject = new_subject()
    upstream.reply(Reply(200, json=subject))
    with run_server(service.app) as base_url, httpx.Client(base_url=base_url) as http:
        live = http.get("/health/live")
        ready = http.get("/health/ready")
        listing = http.get("/api/v1/catalog")
        enriched = http.get(f"/api/v1/catalog/subjects/{subject['id']}")

    assert live.status_code == 200
    assert ready.status_code == 200, ready.text
    assert listing.json() == {"items": [], "next_cursor": None}
    assert enriched.status_code == 200, enriched.text
    assert enriched.json()["subject"]["code"] == subject["code"]
