"""Subject events keep ``catalog_entries`` current, once per event, newest version wins.

Events go through the service's real consumer and inbox, from an in-memory broker
with Redis Streams' semantics; the tests watch the result through the catalog's
own API (``GET /api/v1/catalog``).
"""

import asyncio

import httpx

from aurora.app import Service
from aurora.events import (
    create_subject_created_event,
    create_subject_deleted_event,
    create_subject_updated_event,
)
from aurora.testing.events import EventBus

from catalog_service.events import Projection
from catalog_support import CatalogWaiter, new_subject


async def handled(service: Service, count: int) -> Projection:
    """Wait until the service's consumer has handled ``count`` deliveries (at most 5 s)."""
    runtime: Projection = service.app.state.projection
    for _ in range(500):
        if runtime.consumer.stats.handled >= count:
            return runtime
        await asyncio.sleep(0.01)
    raise AssertionError(f"handled {runtime.consumer.stats.handled} of {count} deliveries")


async def test_a_created_subject_is_listed(
    client: httpx.AsyncClient,
    bus: EventBus,
    wait_for_catalog: CatalogWaiter,
) -> None:
    subject = new_subject(code="ART-1", name="Art", description="Colours")

    await bus.publisher.publish(create_subject_created_event(subject["id"], subject))

    [entry] = await wait_for_catalog(lambda items: len(items) == 1)
    assert entry["subject_id"] == subject["id"]
    assert (entry["code"], entry["name"], entry["description"]) == ("ART-1", "Art", "Colours")
    assert entry["subject_version"] == 1


async def test_an_update_replaces_the_entry_and_a_stale_one_does_not(
    client: httpx.AsyncClient,
    service: Service,
    bus: EventBus,
    wait_for_catalog: CatalogWaiter,
) -> None:
    subject = new_subject(name="Art")
    v2, v3 = {**subject, "name": "Fine Art", "version": 2}, {
        **subject,
        "name": "Arts",
        "version": 3,
    }
    await bus.publisher.publish_many(
        [
            create_subject_created_event(subject["id"], subject),
            create_subject_updated_event(subject["id"], v3, changed_fields=["name"]),
            create_subject_updated_event(subject["id"], v2, changed_fields=["name"]),  # late
        ]
    )

    await handled(service, 3)

    [entry] = (await client.get("/api/v1/catalog")).json()["items"]
    assert (entry["name"], entry["subject_version"]) == ("Arts", 3)


async def test_a_redelivered_event_is_applied_once(
    client: httpx.AsyncClient,
    service: Service,
    bus: EventBus,
    wait_for_catalog: CatalogWaiter,
) -> None:
    subject = new_subject()
    event = create_subject_created_event(subject["id"], subject)

    await bus.publisher.publish_many([event, event])  # at-least-once: it may come twice

    runtime = await handled(service, 2)
    assert runtime.inbox.duplicates == 1
    assert len((await client.get("/api/v1/catalog")).json()["items"]) == 1


async def test_a_deleted_subject_is_unlisted(
    client: httpx.AsyncClient,
    bus: EventBus,
    wait_for_catalog: CatalogWaiter,
) -> None:
    kept, gone = new_subject(code="KEEP"), new_subject(code="GONE")
    await bus.publisher.publish_many(
        [
            create_subject_created_event(kept["id"], kept),
            create_subject_created_event(gone["id"], gone),
        ]
    )
    await wait_for_catalog(lambda items: len(items) == 2)

    await bus.publisher.publish(create_subject_deleted_event(gone["id"]))

    [entry] = await wait_for_catalog(lambda items: len(items) == 1)
    assert entry["subject_id"] == kept["id"]


async def test_the_catalog_pages_in_code_order(
    client: httpx.AsyncClient,
    bus: EventBus,
    wait_for_catalog: CatalogWaiter,
) -> None:
    subjects = [new_subject(code=code) for code in ("C-3", "A-1", "B-2")]
    await bus.publisher.publish_many([create_subject_created_event(s["id"], s) for s in subjects])
    await wait_for_catalog(lambda items: len(items) == 3)

    first = (await client.get("/api/v1/catalog", params={"limit": 2})).json()
    rest = (await client.get("/api/v1/catalog", params={"after": first["next_cursor"]})).json()

    assert [e["code"] for e in first["items"] + rest["items"]] == ["A-1", "B-2", "C-3"]
    assert rest["next_cursor"] is None


async def test_consumer_health_reports_the_group(
    client: httpx.AsyncClient, wait_for_catalog: CatalogWaiter
) -> None:
    await wait_for_catalog(lambda items: True)

    check = (await client.get("/health")).json()["checks"]["events"][0]

    assert check["status"] == "pass"
    assert "aurora.subject/catalog-service" in check["details"]["groups"]
