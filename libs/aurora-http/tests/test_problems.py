"""Upstream errors come back as the same typed ``aurora.errors`` class."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from http_upstream import Reply, Upstream

from aurora.errors import (
    PROBLEM_CONTENT_TYPE,
    AuroraError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    ServiceUnavailableError,
    UpstreamError,
    ValidationError,
    to_problem,
)
from aurora.http import ClientRegistry, ServiceClient


def problem_reply(error: AuroraError) -> Reply:
    body = json.dumps(to_problem(error, correlation_id="c-1").to_dict()).encode()
    return Reply(error.status, {"content-type": PROBLEM_CONTENT_TYPE}, body)


@pytest.fixture()
async def client(upstream: Upstream, registry: ClientRegistry) -> AsyncIterator[ServiceClient]:
    async with ServiceClient("subject-service", upstream.url, registry=registry) as c:
        yield c


async def test_not_found_problem_stays_not_found(client: ServiceClient, upstream: Upstream) -> None:
    upstream.reply(problem_reply(NotFoundError("Subject", "123")))
    with pytest.raises(NotFoundError) as caught:
        await client.get_json("/api/v1/subjects/123")
    error = caught.value
    assert (error.resource, error.id) == ("Subject", "123")
    assert error.context["upstream_service"] == "subject-service"
    assert error.context["upstream_status"] == 404


async def test_validation_problem_keeps_its_field_errors(
    client: ServiceClient, upstream: Upstream
) -> None:
    upstream.reply(
        problem_reply(ValidationError("bad", details=[{"field": "name", "message": "required"}]))
    )
    with pytest.raises(ValidationError) as caught:
        await client.post_json("/api/v1/subjects", json={})
    assert caught.value.details == [{"pointer": "#/name", "detail": "required"}]


async def test_custom_code_problem_keeps_its_code(
    client: ServiceClient, upstream: Upstream
) -> None:
    upstream.reply(problem_reply(ConflictError("taken", code="subject_exists")))
    with pytest.raises(ConflictError) as caught:
        await client.put_json("/x", json={})
    assert caught.value.code == "subject_exists"


async def test_plain_404_without_a_problem_body_is_still_not_found(
    client: ServiceClient, upstream: Upstream
) -> None:
    upstream.reply(Reply(404, {"content-type": "application/json"}, b'{"detail": "Not Found"}'))
    with pytest.raises(NotFoundError) as caught:
        await client.get_json("/x")
    assert caught.value.detail == "Not Found"


async def test_plain_500_becomes_upstream_error(client: ServiceClient, upstream: Upstream) -> None:
    upstream.reply(Reply(500, {}, b"boom"))
    with pytest.raises(UpstreamError) as caught:
        await client.delete_json("/x")
    assert caught.value.context["upstream_status"] == 500


async def test_rate_limit_carries_retry_after(client: ServiceClient, upstream: Upstream) -> None:
    upstream.reply(*[Reply(429, {"Retry-After": "60"})] * 3)
    with pytest.raises(RateLimitedError) as caught:
        await client.get_json("/x")
    assert caught.value.retry_after == 60.0


async def test_unavailable_problem_keeps_its_own_retry_after(
    client: ServiceClient, upstream: Upstream, delays: list[float]
) -> None:
    upstream.reply(*[problem_reply(ServiceUnavailableError("later", retry_after=5))] * 3)
    with pytest.raises(ServiceUnavailableError) as caught:
        await client.get_json("/x")
    assert caught.value.retry_after == 5


async def test_body_that_is_not_json_becomes_upstream_error(
    client: ServiceClient, upstream: Upstream
) -> None:
    upstream.reply(Reply(200, {"content-type": "application/json"}, b"{not json"))
    with pytest.raises(UpstreamError):
        await client.patch_json("/x", json={})


async def test_json_helpers_return_the_decoded_body(client: ServiceClient) -> None:
    assert await client.get_json("/api/v1/subjects") == {
        "path": "/api/v1/subjects",
        "method": "GET",
    }


async def test_empty_body_decodes_to_none(client: ServiceClient, upstream: Upstream) -> None:
    upstream.reply(204)
    assert await client.delete_json("/x") is None


async def test_raise_for_status_passes_2xx_through(client: ServiceClient) -> None:
    response = await client.get("/x")
    assert client.raise_for_status(response) is response
