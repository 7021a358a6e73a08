"""The operational endpoints orchestrators and people rely on."""

from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from aurora.db import reset_engines

from catalog_service.app import build_service, load_config
from catalog_service.settings import SERVICE_NAME, SERVICE_TITLE, Settings


async def test_liveness_answers_from_the_process_alone(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")

    assert response.status_code == 200
    assert response.json()["status"] == "pass"


async def test_readiness_passes_once_started(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "pass"
    assert body["checks"]["database"][0]["status"] == "pass"


async def test_when_a_deploy_job_migrates_readiness_reports_pending_migrations(
    tmp_path: Path,
) -> None:
    config = load_config(service__environment="test", service__data_dir=tmp_path)
    service = build_service(config, Settings(migrate_on_startup=False))

    async with LifespanManager(service.app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://catalog") as client:
            response = await client.get("/health/ready")
    reset_engines()

    assert response.status_code == 200  # not critical: see database.py
    assert response.json()["checks"]["migrations"][0]["status"] != "pass"


async def test_info_names_the_service(client: httpx.AsyncClient) -> None:
    info = (await client.get("/info")).json()

    assert info["name"] == SERVICE_NAME
    assert info["title"] == SERVICE_TITLE


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": "test-request-1"})

    assert response.headers["X-Request-ID"] == "test-request-1"
