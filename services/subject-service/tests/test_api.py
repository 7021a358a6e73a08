"""The subjects API end to end: HTTP in, a real database underneath, problems out."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from aurora.testing.problems import assert_problem_response

URL = "/api/v1/subjects"
MISSING = "00000000-0000-7000-8000-000000000000"


def create(
    client: TestClient, headers: dict[str, str], code: str = "MATH-101", **fields: Any
) -> dict[str, Any]:
    body = {"code": code, "name": fields.pop("name", f"Subject {code}"), **fields}
    response = client.post(URL, json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_create_returns_the_stored_subject(client: TestClient, writer: dict[str, str]) -> None:
    created = create(client, writer, "MATH-101", name="Mathematics", description="Numbers")

    assert (created["code"], created["name"], created["description"]) == (
        "MATH-101",
        "Mathematics",
        "Numbers",
    )
    assert created["version"] == 1
    assert client.get(f"{URL}/{created['id']}").json() == created


def test_a_missing_subject_is_a_404_problem_with_the_correlation_id(client: TestClient) -> None:
    response = client.get(f"{URL}/{MISSING}", headers={"X-Request-ID": "req-404"})

    problem = assert_problem_response(response, 404, code="not_found", correlation_id="req-404")
    assert MISSING in problem["detail"]


def test_a_duplicate_code_is_a_409_problem(client: TestClient, writer: dict[str, str]) -> None:
    create(client, writer, "BIO-1")

    response = client.post(URL, json={"code": "BIO-1", "name": "Again"}, headers=writer)

    problem = assert_problem_response(response, 409, code="unique_violation")
    assert client.get(URL).json()["items"][0]["name"] == "Subject BIO-1"
    assert "uq_subjects_code" in str(problem)


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"code": "MATH-101", "name": ""}, "#/body/name"),
        ({"code": "math 101", "name": "Maths"}, "#/body/code"),
        ({"name": "Maths"}, "#/body/code"),
        ({"code": "M", "name": "Maths", "teacher": "Ann"}, "#/body/teacher"),
    ],
)
def test_invalid_input_is_a_422_problem_pointing_at_the_field(
    client: TestClient, writer: dict[str, str], body: dict[str, Any], pointer: str
) -> None:
    response = client.post(URL, json=body, headers=writer)

    problem = assert_problem_response(response, 422)
    assert pointer in [error["pointer"] for error in problem["errors"]]


def test_listing_pages_with_a_cursor_in_creation_order(
    client: TestClient, writer: dict[str, str]
) -> None:
    codes = [create(client, writer, code)["code"] for code in ("C-3", "A-1", "B-2")]

    first = client.get(URL, params={"limit": 2}).json()
    second = client.get(URL, params={"limit": 2, "after": first["next_cursor"]}).json()

    assert [item["code"] for item in first["items"] + second["items"]] == codes
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    ("sort", "expected"), [("code", ["A-1", "B-2", "C-3"]), ("name", ["C-3", "A-1", "B-2"])]
)
def test_listing_sorts_by_code_or_name(
    client: TestClient, writer: dict[str, str], sort: str, expected: list[str]
) -> None:
    for code, name in (("C-3", "Art"), ("A-1", "Biology"), ("B-2", "Chemistry")):
        create(client, writer, code, name=name)

    first = client.get(URL, params={"limit": 2, "sort": sort}).json()
    rest = client.get(URL, params={"sort": sort, "after": first["next_cursor"]}).json()

    assert [item["code"] for item in first["items"] + rest["items"]] == expected


def test_a_cursor_of_another_ordering_is_a_400_problem(
    client: TestClient, writer: dict[str, str]
) -> None:
    create(client, writer, "A-1")
    create(client, writer, "B-2")
    cursor = client.get(URL, params={"limit": 1, "sort": "code"}).json()["next_cursor"]

    response = client.get(URL, params={"sort": "name", "after": cursor})

    assert_problem_response(response, 400, code="invalid_cursor")


def test_update_changes_only_the_given_fields(client: TestClient, writer: dict[str, str]) -> None:
    created = create(client, writer, "PHY-1", name="Physics", description="kept")

    response = client.patch(f"{URL}/{created['id']}", json={"name": "Physics I"}, headers=writer)

    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["code"], updated["name"], updated["description"]) == (
        "PHY-1",
        "Physics I",
        "kept",
    )
    assert updated["version"] == created["version"] + 1


def test_update_with_a_stale_version_is_a_409_problem(
    client: TestClient, writer: dict[str, str]
) -> None:
    created = create(client, writer)
    url = f"{URL}/{created['id']}"
    client.patch(url, json={"name": "changed", "version": 1}, headers=writer)

    response = client.patch(url, json={"name": "lost", "version": 1}, headers=writer)

    assert_problem_response(response, 409, code="stale_version")
    assert client.get(url).json()["name"] == "changed"


def test_a_null_name_is_refused_rather_than_stored(
    client: TestClient, writer: dict[str, str]
) -> None:
    created = create(client, writer)

    response = client.patch(f"{URL}/{created['id']}", json={"name": None}, headers=writer)

    assert_problem_response(response, 422)


def test_delete_removes_the_subject(client: TestClient, writer: dict[str, str]) -> None:
    created = create(client, writer)

    assert client.delete(f"{URL}/{created['id']}", headers=writer).status_code == 204
    assert_problem_response(client.get(f"{URL}/{created['id']}"), 404)


def test_delete_at_a_stale_version_keeps_the_subject(
    client: TestClient, writer: dict[str, str]
) -> None:
    created = create(client, writer)
    client.patch(f"{URL}/{created['id']}", json={"name": "v2"}, headers=writer)

    response = client.delete(f"{URL}/{created['id']}", params={"version": 1}, headers=writer)

    assert_problem_response(response, 409, code="stale_version")
    assert client.get(f"{URL}/{created['id']}").status_code == 200


def test_deleting_a_missing_subject_is_a_404_problem(
    client: TestClient, writer: dict[str, str]
) -> None:
    assert_problem_response(client.delete(f"{URL}/{MISSING}", headers=writer), 404)


def test_the_documented_patch_body_offers_no_null_for_required_columns(
    client: TestClient,
) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    properties = schemas["SubjectUpdate"]["properties"]

    for field in ("code", "name"):
        assert "null" not in str(properties[field]), properties[field]
    assert "required" not in schemas["SubjectUpdate"]  # every field is optional


def test_listing_filters_by_code_and_searches_names(
    client: TestClient, writer: dict[str, str]
) -> None:
    for code, name in (("MATH-1", "Algebra"), ("MATH-2", "Geometry"), ("ART-1", "Drawing")):
        create(client, writer, code, name=name)

    by_code = client.get(URL, params={"code__in": ["MATH-2", "ART-1"], "sort": "code"}).json()
    exact = client.get(URL, params={"code": "MATH-1"}).json()
    searched = client.get(URL, params={"q": "geo"}).json()

    assert [item["code"] for item in by_code["items"]] == ["ART-1", "MATH-2"]
    assert [item["name"] for item in exact["items"]] == ["Algebra"]
    assert [item["code"] for item in searched["items"]] == ["MATH-2"]


def test_listing_pages_back_with_prev_cursor(client: TestClient, writer: dict[str, str]) -> None:
    codes = [create(client, writer, f"C-{i}")["code"] for i in range(5)]
    params: dict[str, Any] = {"limit": 2, "sort": "-code"}

    first = client.get(URL, params=params).json()
    second = client.get(URL, params={**params, "after": first["next_cursor"]}).json()
    back = client.get(URL, params={**params, "before": second["prev_cursor"]}).json()

    assert [item["code"] for item in second["items"]] == codes[::-1][2:4]
    assert back["items"] == first["items"]
    assert (first["prev_cursor"], back["prev_cursor"]) == (None, None)


def test_an_empty_cursor_is_the_first_page(client: TestClient, writer: dict[str, str]) -> None:
    create(client, writer, "A-1")

    response = client.get(URL, params={"after": ""})

    assert response.status_code == 200
    assert [item["code"] for item in response.json()["items"]] == ["A-1"]


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"colour": "red"}, "#/query/colour"),
        ({"name": "Algebra"}, "#/query/name"),  # searchable, not an equality filter
        ({"sort": "description"}, "#/query/sort"),
        ({"created_at__ge": "yesterday"}, "#/query/created_at__ge"),
    ],
)
def test_a_filter_not_offered_is_a_422_problem(
    client: TestClient, params: dict[str, str], pointer: str
) -> None:
    problem = assert_problem_response(client.get(URL, params=params), 422)

    assert pointer in [error["pointer"] for error in problem["errors"]]


def test_the_documented_listing_shows_its_filters_and_both_cursors(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    parameters = {p["name"] for p in spec["paths"][URL]["get"]["parameters"]}
    page = spec["components"]["schemas"]["SubjectPage"]["properties"]

    assert parameters == {
        "code", "code__in", "created_at__ge", "created_at__lt", "q", "sort", "limit", "after",
        "before",
    }  # fmt: skip
    assert {"next_cursor", "prev_cursor"} <= set(page)
