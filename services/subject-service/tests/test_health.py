"""The operational endpoints orchestrators and people rely on."""

from pathlib import Path

from aurora.db import reset_engines
from aurora.testing.clients import TestClient, open_app_client

from subject_service.app import build_service, load_config
from subject_service.settings import SERVICE_NAME, SERVICE_TITLE, Settings


def test_liveness_answers_from_the_process_alone(client: TestClient) -> None:
    response = client.get("/health/live")

    assert response.status_code == 200
    assert response.json()["status"] == "pass"


def test_readiness_passes_once_started(client: TestClient) -> None:
    response = client.get("/health/ready")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "pass"
    assert body["checks"]["database"][0]["status"] == "pass"


def test_when_a_deploy_job_migrates_readiness_reports_pending_migrations(tmp_path: Path) -> None:
    config = load_config(service__environment="test", service__data_dir=tmp_path)
    service = build_service(config, Settings(migrate_on_startup=False))

    with open_app_client(service) as client:
        response = client.get("/health/ready")
    reset_engines()

    assert response.status_code == 200  # not critical: see database.py
    assert response.json()["checks"]["migrations"][0]["status"] != "pass"


def test_info_names_the_service(client: TestClient) -> None:
    info = client.get("/info").json()

    assert info["name"] == SERVICE_NAME
    assert info["title"] == SERVICE_TITLE


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    response = client.get("/health/live", headers={"X-Request-ID": "test-request-1"})

    assert response.headers["X-Request-ID"] == "test-request-1"
