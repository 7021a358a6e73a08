"""When subject-service goes away: retries, then an open circuit, then recovery.

subject-service's stand-in really stops listening (connections are refused on its
port) and really comes back; the catalog's client meets that as it would in
production. The breaker is tuned small so the test takes a second, not a minute.
"""

import asyncio
import uuid

import httpx
import pytest

from aurora.testing.problems import assert_problem_response
from aurora.testing.upstream import FaultyUpstream, Reply

from catalog_service.settings import Settings
from catalog_support import new_subject

URL = "/api/v1/catalog/subjects"
OPEN_SECONDS = 0.5


@pytest.fixture()
def settings() -> Settings:
    """Open after 2 failed tries, for half a second."""
    return Settings(breaker_minimum_calls=2, breaker_window=4, breaker_open_seconds=OPEN_SECONDS)


async def test_an_unreachable_subject_service_is_a_503_problem(
    client: httpx.AsyncClient, upstream: FaultyUpstream
) -> None:
    upstream.refuse_connections()

    response = await client.get(f"{URL}/{uuid.uuid4()}", headers={"X-Request-ID": "down-1"})

    problem = assert_problem_response(response, 503, correlation_id="down-1")
    assert problem["code"] in {"service_unavailable", "circuit_open"}


# Open long enough that the upstream's restart can't outlast it on a slow machine.
@pytest.mark.parametrize("settings", [Settings(breaker_minimum_calls=2, breaker_window=4)])
async def test_the_circuit_opens_and_answers_503_with_retry_after_without_calling(
    client: httpx.AsyncClient, upstream: FaultyUpstream, settings: Settings
) -> None:
    upstream.refuse_connections()
    await client.get(f"{URL}/{uuid.uuid4()}")  # its retries trip the breaker
    upstream.accept_connections()
    upstream.reset()

    response = await client.get(f"{URL}/{uuid.uuid4()}", headers={"X-Request-ID": "open-1"})

    assert_problem_response(response, 503, code="circuit_open", correlation_id="open-1")
    assert 1 <= int(response.headers["retry-after"]) <= settings.breaker_open_seconds
    assert upstream.requests == []  # refused before any network work


async def test_the_circuit_shows_in_health_without_making_the_catalog_unready(
    client: httpx.AsyncClient, upstream: FaultyUpstream
) -> None:
    upstream.refuse_connections()
    await client.get(f"{URL}/{uuid.uuid4()}")

    health = (await client.get("/health")).json()
    ready = await client.get("/health/ready")

    assert health["status"] == "warn"
    assert health["checks"]["upstreams"][0]["status"] == "fail"
    assert ready.status_code == 200
    assert (await client.get("/api/v1/catalog")).status_code == 200  # the listing is local


async def test_calls_recover_once_subject_service_is_back(
    client: httpx.AsyncClient, upstream: FaultyUpstream
) -> None:
    subject = new_subject()
    upstream.refuse_connections()
    tripped = await client.get(f"{URL}/{subject['id']}")
    upstream.accept_connections()
    upstream.reply(Reply(200, json=subject))

    await asyncio.sleep(OPEN_SECONDS)  # the open period; the next call is the trial
    recovered = await client.get(f"{URL}/{subject['id']}")

    assert tripped.status_code == 503
    assert recovered.status_code == 200, recovered.text
    assert recovered.json()["subject"]["id"] == subject["id"]
