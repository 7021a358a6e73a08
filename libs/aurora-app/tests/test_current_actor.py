"""The security dependency makes the verified caller the current actor (for audit columns)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
from starlette.testclient import TestClient

from aurora.app import CurrentPrincipal, Service
from aurora.utils import current_actor

SECRET = "test-secret-that-is-long-enough-for-hs256!"


def _token(subject: str) -> str:
    now = int(time.time())
    claims = {"sub": subject, "iat": now, "exp": now + 300, "aud": "demo-service"}
    return jwt.encode(claims, SECRET, algorithm="HS256")


def test_the_caller_is_the_current_actor_during_the_request(
    make_service: Callable[..., Service],
) -> None:
    service = make_service(security={"jwt_secret": SECRET, "jwt_audience": "demo-service"})

    @service.app.get("/actor")
    async def actor(principal: CurrentPrincipal) -> dict[str, Any]:
        return {"actor": current_actor(), "subject": principal.subject}

    @service.app.get("/anonymous")
    async def anonymous() -> dict[str, Any]:
        return {"actor": current_actor()}

    with TestClient(service.app) as client:
        for subject in ("alice", "bob"):
            response = client.get("/actor", headers={"Authorization": f"Bearer {_token(subject)}"})
            assert response.json() == {"actor": subject, "subject": subject}
        assert client.get("/anonymous").json() == {"actor": None}  # nothing leaks over
    assert current_actor() is None
