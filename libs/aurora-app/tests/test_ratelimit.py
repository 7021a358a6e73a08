"""Rate limiting: IETF headers, 429 with Retry-After, memory and Redis, failure policies."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import jwt
import pytest
import redis
from fastapi import Depends
from starlette.testclient import TestClient

from aurora.app import (
    MemoryRateLimitBackend,
    RateLimitBackend,
    RateLimitSettings,
    RedisRateLimitBackend,
    Service,
    rate_limit,
)
from aurora.logging.testing import capture_logs
from aurora.testing.server import free_port

MakeService = Callable[..., Service]
SECRET = "rate-limit-secret-long-enough-for-hs256!"


@pytest.fixture()
def limited(make_service: MakeService) -> Iterator[Callable[..., TestClient]]:
    """Build a rate-limited service and enter its TestClient (one loop, lifespan run)."""
    with ExitStack() as stack:

        def factory(*, instance: RateLimitBackend | None = None, **rate_limit: Any) -> TestClient:
            options = {"enabled": True, "limit": 3, "window_seconds": 60, **rate_limit}
            service = make_service(
                rate_limit=options, rate_limit_backend=instance, security={"jwt_secret": SECRET}
            )

            @service.app.get("/things")
            async def things() -> list[str]:
                return []

            return stack.enter_context(TestClient(service.app))

        yield factory


@pytest.fixture()
def redis_backend(redis_url: str, key_prefix: str) -> Iterator[RedisRateLimitBackend]:
    backend = RedisRateLimitBackend(redis_url, prefix=key_prefix)
    yield backend
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{key_prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest) -> RateLimitBackend:
    if request.param == "memory":
        return MemoryRateLimitBackend()
    backend: RateLimitBackend = request.getfixturevalue("redis_backend")
    return backend


def test_allowed_responses_carry_ratelimit_headers(
    limited: Callable[..., TestClient], backend: RateLimitBackend
) -> None:
    client = limited(instance=backend)
    remaining = [client.get("/things").headers["ratelimit-remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    response = client.get("/things")
    assert 0 < int(response.headers["ratelimit-reset"]) <= 60
    assert response.headers["ratelimit-limit"] == "3"


def test_over_the_limit_is_a_429_problem_with_retry_after(
    limited: Callable[..., TestClient], backend: RateLimitBackend
) -> None:
    client = limited(instance=backend)
    for _ in range(3):
        assert client.get("/things").status_code == 200
    response = client.get("/things", headers={"X-Request-ID": "limited-1"})
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "rate_limited"
    assert response.json()["correlation_id"] == "limited-1"
    assert 0 < int(response.headers["retry-after"]) <= 60
    assert response.headers["ratelimit-remaining"] == "0"
    assert response.headers["x-request-id"] == "limited-1"


def test_combined_header_style(
    limited: Callable[..., TestClient], backend: RateLimitBackend
) -> None:
    client = limited(instance=backend, header_style="combined")
    response = client.get("/things")
    assert response.headers["ratelimit-policy"] == '"default";q=3;w=60'
    assert response.headers["ratelimit"].startswith('"default";r=2;t=')
    assert "ratelimit-limit" not in response.headers


def test_probes_are_exempt(limited: Callable[..., TestClient]) -> None:
    client = limited(limit=1)
    for _ in range(3):
        response = client.get("/health/live")
        assert response.status_code == 200
        assert "ratelimit-limit" not in response.headers


def test_subject_key_gives_each_user_a_quota(limited: Callable[..., TestClient]) -> None:
    client = limited(limit=1, key="subject")

    def token(subject: str) -> dict[str, str]:
        encoded = jwt.encode(
            {"sub": subject, "exp": int(time.time()) + 60}, SECRET, algorithm="HS256"
        )
        return {"Authorization": f"Bearer {encoded}"}

    assert client.get("/things", headers=token("ann")).status_code == 200
    assert client.get("/things", headers=token("bob")).status_code == 200
    assert client.get("/things", headers=token("ann")).status_code == 429


def test_subject_key_falls_back_to_the_client_ip_for_bad_tokens(
    limited: Callable[..., TestClient],
) -> None:
    client = limited(limit=1, key="subject")
    assert client.get("/things", headers={"Authorization": "Bearer forged"}).status_code == 200
    assert (
        client.get("/things", headers={"Authorization": "Bearer forged-again"}).status_code == 429
    )


def test_every_tier_of_a_multi_tier_policy_applies(limited: Callable[..., TestClient]) -> None:
    client = limited(limits="2/second;3/minute")
    statuses = [client.get("/things").status_code for _ in range(2)]
    time.sleep(1.05)
    statuses += [client.get("/things").status_code for _ in range(2)]
    # The second-long tier refills; the minute-long one does not.
    assert statuses == [200, 200, 200, 429]


def test_the_window_moves(limited: Callable[..., TestClient]) -> None:
    """A moving window: no burst of twice the limit across a window border."""
    client = limited(limits="2/2 second")
    assert [client.get("/things").status_code for _ in range(3)] == [200, 200, 429]
    time.sleep(2.05)
    assert client.get("/things").status_code == 200


def test_api_key_gives_each_key_a_quota(limited: Callable[..., TestClient]) -> None:
    client = limited(limit=1, key="api_key")
    assert client.get("/things", headers={"X-API-Key": "key-a"}).status_code == 200
    assert client.get("/things", headers={"X-API-Key": "key-b"}).status_code == 200
    assert client.get("/things", headers={"X-API-Key": "key-a"}).status_code == 429


def test_a_route_policy_adds_to_the_service_quota(make_service: MakeService) -> None:
    service = make_service()

    @service.app.get("/search", dependencies=[Depends(rate_limit("2/minute", name="search"))])
    async def search() -> list[str]:
        return []

    @service.app.get("/free")
    async def free() -> list[str]:
        return []

    with TestClient(service.app) as client:
        answers = [client.get("/search") for _ in range(3)]
        assert client.get("/free").status_code == 200
        scrape = client.get("/metrics").text
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[1].headers["ratelimit-remaining"] == "0"
    assert answers[2].headers["content-type"] == "application/problem+json"
    assert int(answers[2].headers["retry-after"]) > 0
    assert answers[2].headers["ratelimit-limit"] == "2"
    assert 'aurora_rate_limit_requests_total{outcome="allowed",policy="search"} 2.0' in scrape
    assert 'aurora_rate_limit_requests_total{outcome="limited",policy="search"} 1.0' in scrape


def test_invalid_limits_are_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="invalid rate limits"):
        RateLimitSettings(limits="lots per day")


def test_a_route_policy_needs_valid_limits() -> None:
    with pytest.raises(ValueError, match="often"):
        rate_limit("often")


@pytest.fixture()
def dead_redis_url() -> str:
    """A Redis URL where nothing listens."""
    return f"redis://127.0.0.1:{free_port()}/0"


def test_fail_open_serves_requests_when_redis_is_down(
    limited: Callable[..., TestClient], dead_redis_url: str
) -> None:
    client = limited(backend="redis", redis_url=dead_redis_url, failure_policy="open")
    with capture_logs() as events:
        responses = [client.get("/things") for _ in range(5)]
    assert [response.status_code for response in responses] == [200] * 5
    assert "ratelimit-limit" not in responses[0].headers
    outages = [event for event in events if event["event"] == "rate_limiter_unavailable"]
    assert len(outages) == 1  # logged once per window, not per request
    assert outages[0]["failure_policy"] == "open"


def test_fail_closed_refuses_requests_when_redis_is_down(
    limited: Callable[..., TestClient], dead_redis_url: str
) -> None:
    client = limited(backend="redis", redis_url=dead_redis_url, failure_policy="closed")
    response = client.get("/things")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "service_unavailable"
    assert response.headers["retry-after"] == "1"
