"""subject-service and catalog-service end to end on NATS JetStream, by configuration alone.

The same two processes as ``test_two_services.py`` (``platform_processes``), with no
code change: ``AURORA_EVENTS__BACKEND=nats`` and a NATS URL route the outbox relay, the
consumer and its inbox through JetStream (streams under a prefix unique to the
test, deleted afterwards). Needs the shared NATS with JetStream: skipped locally
when unreachable, failed under ``CI``.
"""

import asyncio
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from e2e.platform_processes import (
    Platform,
    created_subject_reaches_the_catalog,
    rename_reaches_the_catalog,
    running_platform,
    service_databases,
)

from aurora.events import NatsBroker
from aurora.testing.isolation import unique_name

NATS_URL = os.environ.get("AURORA_TEST_NATS_URL") or "nats://127.0.0.1:4222"


def shared_nats() -> str:
    parts = urlsplit(NATS_URL)
    with socket.socket() as probe:
        probe.settimeout(0.5)
        if probe.connect_ex((parts.hostname or "127.0.0.1", parts.port or 4222)) == 0:
            return NATS_URL
    message = f"NATS is not reachable at {NATS_URL}; start it or set AURORA_TEST_NATS_URL"
    if os.environ.get("CI"):
        pytest.fail(f"{message}. CI must run this test.", pytrace=False)
    pytest.skip(message)


@pytest.fixture()
def platform(tmp_path: Path) -> Iterator[Platform]:
    """Both services on JetStream, each with a SQLite file; their streams deleted afterwards."""
    url, prefix = shared_nats(), unique_name("e2e") + "."
    nats = {"AURORA_EVENTS__BACKEND": "nats", "AURORA_EVENTS__NATS_URL": url}
    unused_redis = "redis://127.0.0.1:1/0"  # nothing may talk to Redis
    try:
        with (
            service_databases("sqlite", tmp_path) as databases,
            running_platform(tmp_path, databases, (unused_redis, prefix), nats) as platform,
        ):
            yield platform
    finally:
        asyncio.run(_delete_streams(url, prefix))


async def _delete_streams(url: str, prefix: str) -> None:
    broker = NatsBroker(url, prefix=prefix)
    try:
        await broker.delete_streams()
    finally:
        await broker.close()


def test_subject_events_reach_the_catalog_over_jetstream(platform: Platform) -> None:
    body = {"code": "JS-101", "name": "JetStream", "description": "Across two services"}
    subject = created_subject_reaches_the_catalog(platform, body, "js-1")
    rename_reaches_the_catalog(platform, subject["id"], "JetStream II")
    health = httpx.get(f"{platform.catalog.url}/health").json()
    assert health["status"] == "pass", health


def test_each_service_documents_its_events_in_asyncapi(platform: Platform) -> None:
    sent = httpx.get(f"{platform.subjects.url}/asyncapi.json").json()
    received = httpx.get(f"{platform.catalog.url}/asyncapi.json").json()
    assert sent["asyncapi"] == received["asyncapi"] == "3.0.0"
    assert "send.aurora.subject.created.v1" in sent["operations"]
    assert "receive.aurora.subject.updated.v1" in received["operations"]
