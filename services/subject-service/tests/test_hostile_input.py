"""Input no backend can store, and loosely typed versions, are 422s on every backend."""

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    "body",
    [
        {"code": "NUL-1", "name": "bad\u0000name"},
        {"code": "NUL-2", "name": "fine", "description": "bad\u0000text"},
    ],
)
def test_text_no_database_stores_is_a_422(
    client: TestClient, writer: dict[str, str], body: dict[str, str]
) -> None:
    response = client.post("/api/v1/subjects", json=body, headers=writer)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_a_lone_surrogate_is_a_422(client: TestClient, writer: dict[str, str]) -> None:
    body = b'{"code": "SUR-1", "name": "lone \\ud800 surrogate"}'
    headers = {**writer, "Content-Type": "application/json"}
    response = client.post("/api/v1/subjects", content=body, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("version", [True, "1", 1.5])
def test_a_version_must_be_an_integer(
    client: TestClient, writer: dict[str, str], version: object
) -> None:
    created = client.post("/api/v1/subjects", json={"code": "VER-1", "name": "V"}, headers=writer)
    subject_id = created.json()["id"]
    response = client.patch(
        f"/api/v1/subjects/{subject_id}", json={"name": "W", "version": version}, headers=writer
    )
    assert response.status_code == 422


def test_a_version_written_as_a_whole_float_is_an_integer(
    client: TestClient, writer: dict[str, str]
) -> None:
    """JSON Schema's integer includes 1.0, so the documented schema accepts it: so do we."""
    created = client.post("/api/v1/subjects", json={"code": "VER-2", "name": "V"}, headers=writer)
    subject_id = created.json()["id"]
    response = client.patch(
        f"/api/v1/subjects/{subject_id}", json={"name": "W", "version": 1.0}, headers=writer
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2


def test_allow_names_every_method_of_the_collection(client: TestClient) -> None:
    response = client.put("/api/v1/subjects")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
