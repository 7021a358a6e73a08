"""A create retried by aurora-http across a lost response makes exactly one subject.

subject-service in process under a real uvicorn (on SQLite and on PostgreSQL),
called through aurora-http's ``ServiceClient`` with automatic idempotency keys.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from subject_service.app import build_service, load_config
from subject_service.routes import WRITE_SCOPE

from aurora.app import Service, server_options
from aurora.db import reset_engines
from aurora.http import RetryPolicy, ServiceClient
from aurora.testing.events import EventBus
from aurora.testing.isolation import postgres_schema
from aurora.testing.server import LiveServer
from aurora.testing.tokens import TokenFactory

TOKENS = TokenFactory.hs256(subject="retrying-editor")


@pytest.fixture(params=["sqlite", "postgresql"])
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Service]:
    overrides: dict[str, Any] = {
        "service__environment": "test",
        "service__data_dir": tmp_path,
        "security": TOKENS.security,
    }
    broker = EventBus().broker
    if request.param == "sqlite":
        yield build_service(load_config(**overrides), broker=broker)
    else:
        with postgres_schema() as schema:
            yield build_service(load_config(**overrides, database__url=schema.url), broker=broker)
            reset_engines()
    reset_engines()


class LoseFirstCreateResponse:
    """An injected failure at the edge: the first POST is handled, its answer replaced by a 503.

    What a client sees when a proxy times out after the service committed.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.lost = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or self.lost:
            await self.app(scope, receive, send)
            return
        self.lost += 1

        async def swallow(message: Message) -> None:
            return None

        await self.app(scope, receive, swallow)
        body = b'{"status":503,"code":"service_unavailable"}'
        headers = [(b"content-type", b"application/problem+json"), (b"retry-after", b"0")]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def test_a_retried_create_makes_one_row(service: Service) -> None:
    writer = TOKENS.headers(WRITE_SCOPE)
    flaky = LoseFirstCreateResponse(service.app)
    options: dict[str, Any] = server_options(service.settings)
    options["log_level"] = "error"
    with LiveServer(flaky, **options) as url:
        policy = RetryPolicy(auto_idempotency_key=True)
        async with ServiceClient("subject-service", url, policy=policy, headers=writer) as client:
            created = await client.post(
                "/api/v1/subjects", json={"code": "RETRY-1", "name": "Retried"}
            )
            listing = await client.get("/api/v1/subjects")
    assert flaky.lost == 1
    assert created.status_code == 201
    assert created.headers["idempotent-replayed"] == "true"
    assert [item["code"] for item in listing.json()["items"]] == ["RETRY-1"]
