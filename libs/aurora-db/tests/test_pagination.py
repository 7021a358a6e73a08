"""Offset and keyset pagination, and cursor tamper-evidence, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from db_models import Event, Subject

from aurora.db import AsyncBaseRepository, BaseRepository, InvalidCursorError
from aurora.db._cursor import CursorCodec

T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def _events(repo, count: int = 25) -> None:
    # Three kinds and repeating timestamps, so orderings have ties to break.
    rows = [
        {"id": i, "kind": "abc"[i % 3], "happened_at": T0 + timedelta(minutes=i // 4)}
        for i in range(count)
    ]
    await repo.insert_many(rows)


async def _walk(repo, **options) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        page = await repo.paginate_keyset(after=cursor, **options)
        seen.extend(event.id for event in page.items)
        if not page.has_more:
            return seen
        assert len(page.items) == options.get("limit", 50)
        cursor = page.next_cursor


async def test_offset_pages_carry_the_total(repo_factory):
    repo = repo_factory(Event)
    await _events(repo)
    page = await repo.paginate(page=3, page_size=10, order_by="id")
    assert [e.id for e in page.items] == list(range(20, 25))
    assert (page.total, page.pages, page.has_next) == (25, 3, False)
    first = await repo.paginate(Event.kind == "a", page_size=4)
    assert (first.total, first.has_next, [e.id for e in first.items]) == (9, True, [0, 3, 6, 9])


async def test_offset_page_numbers_start_at_one(repo_factory):
    with pytest.raises(ValueError, match="start at 1"):
        await repo_factory(Event).paginate(page=0)


@pytest.mark.parametrize(
    ("order_by", "key"),
    [
        (None, lambda e: e["id"]),
        ("-id", lambda e: -e["id"]),
        (["kind", "-happened_at"], lambda e: (e["kind"], -e["happened_at"].timestamp(), e["id"])),
        ([Event.happened_at.desc()], lambda e: (-e["happened_at"].timestamp(), e["id"])),
        ([Event.happened_at, "kind"], lambda e: (e["happened_at"], e["kind"], e["id"])),
    ],
    ids=["pk", "pk-desc", "mixed-directions", "desc-timestamp-ties", "asc-composite"],
)
async def test_keyset_walk_visits_every_row_once_in_order(repo_factory, order_by, key):
    repo = repo_factory(Event)
    await _events(repo)
    expected = sorted(
        (
            {"id": i, "kind": "abc"[i % 3], "happened_at": T0 + timedelta(minutes=i // 4)}
            for i in range(25)
        ),
        key=key,
    )
    assert await _walk(repo, limit=4, order_by=order_by) == [e["id"] for e in expected]


async def test_keyset_with_filters(repo_factory):
    repo = repo_factory(Event)
    await _events(repo)
    assert await _walk(repo, limit=2, kind="b") == [i for i in range(25) if i % 3 == 1]


async def test_keyset_on_uuid_and_timestamps(repo_factory):
    repo = repo_factory(Subject)
    await repo.insert_many([{"name": f"s{i:02}"} for i in range(7)])
    names = []
    cursor = None
    while True:
        page = await repo.paginate_keyset(after=cursor, limit=3, order_by=["-created_at"])
        names += [s.name for s in page.items]
        if not page.has_more:
            break
        cursor = page.next_cursor
    assert sorted(names) == [f"s{i:02}" for i in range(7)]
    assert len(names) == 7


async def test_last_page_has_no_cursor(repo_factory):
    repo = repo_factory(Event)
    await _events(repo, 3)
    page = await repo.paginate_keyset(limit=3)
    assert (len(page.items), page.next_cursor, page.has_more) == (3, None, False)


async def test_tampered_cursor_is_rejected(repo_factory):
    repo = repo_factory(Event)
    await _events(repo)
    cursor = (await repo.paginate_keyset(limit=2)).next_cursor
    payload, signature = cursor.split(".")
    forged = CursorCodec(b"someone else's key").encode("events:id", [20])
    candidates = [
        f"{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}",
        forged,
        "not-a-cursor",
        f"{payload}.{signature}x",
    ]
    for bad in candidates:
        with pytest.raises(InvalidCursorError) as caught:
            await repo.paginate_keyset(after=bad, limit=2)
        assert (caught.value.status, caught.value.code) == (400, "invalid_cursor")


async def test_cursor_is_bound_to_its_ordering(repo_factory):
    repo = repo_factory(Event)
    await _events(repo)
    cursor = (await repo.paginate_keyset(limit=2, order_by="kind")).next_cursor
    with pytest.raises(InvalidCursorError):
        await repo.paginate_keyset(after=cursor, limit=2, order_by="-kind")


def test_cursor_from_another_key_is_rejected(registry):
    """Services (or key rotations) don't accept each other's cursors."""
    with registry.sessionmaker("subject-service")() as session:
        BaseRepository(session, Event).insert_many(
            [{"id": 1, "kind": "a", "happened_at": T0}, {"id": 2, "kind": "a", "happened_at": T0}]
        )
        mine = BaseRepository(session, Event)
        theirs = BaseRepository(session, Event, cursor_key="another-secret")
        cursor = mine.paginate_keyset(limit=1).next_cursor
        assert [e.id for e in mine.paginate_keyset(after=cursor, limit=1).items] == [2]
        with pytest.raises(InvalidCursorError):
            theirs.paginate_keyset(after=cursor, limit=1)


async def test_cursor_survives_a_new_session_with_the_same_key(async_registry):
    """Cursors are signed with the service key, not a per-session one: any replica accepts them."""
    async with async_registry.async_sessionmaker("subject-service")() as session:
        repo = AsyncBaseRepository(session, Event)
        await repo.insert_many([{"id": i, "kind": "a", "happened_at": T0} for i in range(3)])
        await session.commit()
        cursor = (await repo.paginate_keyset(limit=2)).next_cursor
    with async_registry.sessionmaker("subject-service")() as other:
        page = BaseRepository(other, Event).paginate_keyset(after=cursor, limit=2)
        assert [e.id for e in page.items] == [2]


async def test_keyset_limit_must_be_positive(repo_factory):
    with pytest.raises(ValueError, match="limit"):
        await repo_factory(Event).paginate_keyset(limit=0)
