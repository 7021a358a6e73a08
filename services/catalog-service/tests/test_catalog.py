"""``GET /api/v1/catalog/subjects/{id}``: the live subject over HTTP, beside the local entry."""

import uuid

import httpx
import pytest

from aurora.events import create_subject_created_event
from aurora.testing.events import EventBus
from aurora.testing.problems import assert_problem_response
from aurora.testing.upstream import FaultyUpstream, Reply

from catalog_support import CatalogWaiter, new_subject

URL = "/api/v1/catalog/subjects"
FIELDS = ("id", "code", "name", "description", "version")


async def test_returns_the_live_subject_from_subject_service(
    client: httpx.AsyncClient, upstream: FaultyUpstream
) -> None:
    subject = new_subject(description="Numbers")
    upstream.reply(Reply(200, json=subject))

    response = await client.get(f"{URL}/{subject['id']}", headers={"X-Request-ID": "cat-1"})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["subject"] == {field: subject[field] for field in FIELDS}
    assert (body["entry"], body["in_sync"]) == (None, False)
    [call] = upstream.requests
    assert call.path == f"/api/v1/subjects/{subject['id']}"
    assert call.headers["x-request-id"] == "cat-1"  # the correlation id travels on


async def test_sets_the_catalog_entry_beside_the_live_subject(
    client: httpx.AsyncClient,
    upstream: FaultyUpstream,
    bus: EventBus,
    wait_for_catalog: CatalogWaiter,
) -> None:
    subject = new_subject()
    await bus.publisher.publish(create_subject_created_event(subject["id"], subject))
    await wait_for_catalog(lambda items: len(items) == 1)

    upstream.reply(Reply(200, json=subject))
    in_sync = (await client.get(f"{URL}/{subject['id']}")).json()
    upstream.reply(Reply(200, json={**subject, "name": "Maths", "version": 2}))
    ahead = (await client.get(f"{URL}/{subject['id']}")).json()

    assert in_sync["entry"]["subject_id"] == subject["id"]
    assert in_sync["in_sync"] is True
    assert (ahead["entry"]["name"], ahead["subject"]["name"]) == ("Mathematics", "Maths")
    assert ahead["in_sync"] is False  # its update event has not arrived yet


async def test_an_unknown_subject_is_a_404_problem_about_this_request(
    client: httpx.AsyncClient, upstream: FaultyUpstream
) -> None:
    missing = str(uuid.uuid4())
    upstream.reply(Reply.problem(404, f"Subject {missing} not found", code="not_found"))

    response = await client.get(f"{URL}/{missing}", headers={"X-Request-ID": "cat-404"})

    problem = assert_problem_response(response, 404, code="not_found", correlation_id="cat-404")
    assert missing in problem["detail"]
    assert "upstream_service" not in problem  # said about this API, not relayed


@pytest.mark.parametrize(
    "failure",
    [
        Reply.problem(500, "the database exploded"),
        Reply(500, content=b"Traceback: the database exploded"),
    ],
    ids=["problem", "plain"],
)
async def test_a_failing_subject_service_is_a_502_problem(
    client: httpx.AsyncClient, upstream: FaultyUpstream, failure: Reply
) -> None:
    upstream.reply(failure)

    response = await client.get(f"{URL}/{uuid.uuid4()}")

    problem = assert_problem_response(response, 502, code="upstream_error")
    assert problem["upstream_status"] == 500
    assert "exploded" not in response.text  # the upstream's internals stay there


async def test_an_unreadable_answer_is_a_502_problem(
    client: httpx.AsyncClient, upstream: FaultyUpstream
) -> None:
    upstream.reply(Reply(200, json={"unexpected": True}))

    response = await client.get(f"{URL}/{uuid.uuid4()}")

    assert_problem_response(response, 502, code="upstream_error")


async def test_a_malformed_id_is_a_422_problem_without_calling_subject_service(
    client: httpx.AsyncClient, upstream: FaultyUpstream
) -> None:
    response = await client.get(f"{URL}/not-a-uuid")

    assert_problem_response(response, 422)
    assert upstream.requests == []
