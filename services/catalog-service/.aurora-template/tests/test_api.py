"""The catalog entries API end to end: HTTP in, SQLite underneath, problems out."""

from typing import Any

from fastapi.testclient import TestClient

URL = "/api/v1/catalog-entries"
PROBLEM = "application/problem+json"


def create(client: TestClient, name: str = "first", **fields: Any) -> dict[str, Any]:
    response = client.post(URL, json={"name": name, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_create_returns_the_stored_catalog_entry(client: TestClient) -> None:
    created = create(client, "first", description="an example")

    assert created["name"] == "first"
    assert created["description"] == "an example"
    assert created["version"] == 1
    assert client.get(f"{URL}/{created['id']}").json() == created


def test_a_missing_catalog_entry_is_a_404_problem(client: TestClient) -> None:
    response = client.get(f"{URL}/00000000-0000-7000-8000-000000000000")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["status"] == 404


def test_invalid_input_is_a_422_problem(client: TestClient) -> None:
    response = client.post(URL, json={"name": ""})

    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)


def test_listing_pages_with_a_cursor(client: TestClient) -> None:
    names = [create(client, f"item-{index}")["name"] for index in range(3)]

    first = client.get(URL, params={"limit": 2}).json()
    second = client.get(URL, params={"limit": 2, "after": first["next_cursor"]}).json()

    assert [item["name"] for item in first["items"] + second["items"]] == names
    assert second["next_cursor"] is None


def test_update_changes_only_the_given_fields(client: TestClient) -> None:
    created = create(client, "before", description="kept")

    response = client.patch(f"{URL}/{created['id']}", json={"name": "after"})

    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["name"], updated["description"]) == ("after", "kept")
    assert updated["version"] == created["version"] + 1


def test_update_with_a_stale_version_is_a_409_problem(client: TestClient) -> None:
    created = create(client)
    client.patch(f"{URL}/{created['id']}", json={"name": "changed", "version": 1})

    response = client.patch(f"{URL}/{created['id']}", json={"name": "lost", "version": 1})

    assert response.status_code == 409
    assert response.headers["content-type"].startswith(PROBLEM)
    assert client.get(f"{URL}/{created['id']}").json()["name"] == "changed"


def test_delete_removes_the_catalog_entry(client: TestClient) -> None:
    created = create(client)

    assert client.delete(f"{URL}/{created['id']}").status_code == 204
    assert client.get(f"{URL}/{created['id']}").status_code == 404
