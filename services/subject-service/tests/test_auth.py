"""Writes need a valid token granting ``subjects:write``; reads need none."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aurora.testing.problems import assert_problem_response
from aurora.testing.tokens import TokenFactory

URL = "/api/v1/subjects"
ANY_ID = "00000000-0000-7000-8000-000000000000"

Write = Callable[[TestClient, dict[str, str]], Any]

WRITES: dict[str, Write] = {
    "create": lambda c, h: c.post(URL, json={"code": "X-1", "name": "X"}, headers=h),
    "update": lambda c, h: c.patch(f"{URL}/{ANY_ID}", json={"name": "Y"}, headers=h),
    "delete": lambda c, h: c.delete(f"{URL}/{ANY_ID}", headers=h),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_write_without_a_token_is_a_401_problem_with_a_bearer_challenge(
    client: TestClient, write: Write
) -> None:
    response = write(client, {"X-Request-ID": "anonymous-1"})

    assert_problem_response(response, 401, correlation_id="anonymous-1")
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_write_with_only_read_scope_is_a_403_problem(
    client: TestClient, tokens: TokenFactory, write: Write
) -> None:
    response = write(client, tokens.headers("subjects:read"))

    assert_problem_response(response, 403)
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


def test_an_expired_token_is_a_401_problem(client: TestClient, tokens: TokenFactory) -> None:
    headers = tokens.headers("subjects:write", expires_in=-3600)

    response = client.post(URL, json={"code": "X-1", "name": "X"}, headers=headers)

    assert_problem_response(response, 401)
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_a_token_signed_with_another_key_is_a_401_problem(client: TestClient) -> None:
    forged = TokenFactory.hs256().headers("subjects:write")

    response = client.post(URL, json={"code": "X-1", "name": "X"}, headers=forged)

    assert_problem_response(response, 401)


def test_a_refused_write_changes_nothing(client: TestClient, tokens: TokenFactory) -> None:
    client.post(URL, json={"code": "X-1", "name": "X"}, headers=tokens.headers("subjects:read"))

    assert client.get(URL).json()["items"] == []


def test_reads_need_no_token(client: TestClient) -> None:
    assert client.get(URL).status_code == 200
