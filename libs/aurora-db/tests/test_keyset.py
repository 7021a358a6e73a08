"""Keyset pages both ways, over nullable sort keys, in the same order on both databases."""

from __future__ import annotations

import pytest
from db_models import Course, Event
from test_pagination import _events

from aurora.db import Equal, InvalidCursorError

LEVELS = [3, None, 1, None, 2, 1, None, 3, 2, None, 1]


async def _walk_forward(repo, *filters, **options) -> tuple[list, list]:
    pages, cursor = [], None
    while True:
        page = await repo.paginate_keyset(*filters, after=cursor, **options)
        pages.append(page)
        if not page.has_more:
            return pages, [item for p in pages for item in p.items]
        cursor = page.next_cursor


async def _walk_backward(repo, last, *filters, **options) -> list:
    seen, page = [], last
    while page.has_previous:
        page = await repo.paginate_keyset(*filters, before=page.prev_cursor, **options)
        seen[:0] = page.items
    return seen


async def _courses(repo) -> None:
    await repo.insert_many(
        [{"title": f"c{i:02}", "level": level} for i, level in enumerate(LEVELS)]
    )


def _expected(descending: bool) -> list[str]:
    rows = [(level, f"c{i:02}") for i, level in enumerate(LEVELS)]
    # Ties keep ascending id order, which is insertion order (UUIDv7): a stable sort.
    valued = sorted(
        (r for r in rows if r[0] is not None), key=lambda r: -r[0] if descending else r[0]
    )
    return [title for _, title in valued] + [title for level, title in rows if level is None]


@pytest.mark.parametrize("order_by", ["level", "-level"])
async def test_nulls_sort_last_in_both_directions_on_both_databases(repo_factory, order_by):
    repo = repo_factory(Course)
    await _courses(repo)
    expected = _expected(descending=order_by.startswith("-"))
    assert [c.title for c in await repo.list(order_by=[order_by, "id"])] == expected
    _, walked = await _walk_forward(repo, order_by=order_by, limit=3)
    assert [c.title for c in walked] == expected


@pytest.mark.parametrize("order_by", ["level", "-level", ["-level", "title"], "title"])
async def test_walking_back_from_the_last_page_retraces_the_listing(repo_factory, order_by):
    repo = repo_factory(Course)
    await _courses(repo)
    pages, walked = await _walk_forward(repo, order_by=order_by, limit=3)
    back = await _walk_backward(repo, pages[-1], order_by=order_by, limit=3)
    assert [c.title for c in back + pages[-1].items] == [c.title for c in walked]


async def test_a_previous_page_is_the_page_before(repo_factory):
    repo = repo_factory(Event)
    await _events(repo, 10)
    first = await repo.paginate_keyset(limit=4)
    second = await repo.paginate_keyset(after=first.next_cursor, limit=4)
    back = await repo.paginate_keyset(before=second.prev_cursor, limit=4)
    assert [e.id for e in back.items] == [0, 1, 2, 3]
    assert (first.prev_cursor, back.prev_cursor) == (None, None)
    assert back.next_cursor is not None
    onward = await repo.paginate_keyset(after=back.next_cursor, limit=4)
    assert [e.id for e in onward.items] == [4, 5, 6, 7]


async def test_a_short_page_backwards_stops_at_the_start(repo_factory):
    repo = repo_factory(Event)
    await _events(repo, 10)
    middle = await repo.paginate_keyset(after=(await repo.paginate_keyset(limit=2)).next_cursor)
    assert [e.id for e in middle.items] == list(range(2, 10))
    back = await repo.paginate_keyset(before=middle.prev_cursor, limit=5)
    assert ([e.id for e in back.items], back.has_previous) == ([0, 1], False)


async def test_paging_backwards_honours_filters(repo_factory):
    repo = repo_factory(Event)
    await _events(repo, 12)
    only_a = Equal("kind", "a")
    pages, walked = await _walk_forward(repo, only_a, limit=2)
    back = await _walk_backward(repo, pages[-1], only_a, limit=2)
    assert [e.id for e in back + pages[-1].items] == [e.id for e in walked] == [0, 3, 6, 9]


async def test_an_empty_cursor_is_the_first_page(repo_factory):
    repo = repo_factory(Event)
    await _events(repo, 3)
    for empty in ({"after": ""}, {"before": ""}):
        page = await repo.paginate_keyset(limit=2, **empty)
        assert [e.id for e in page.items] == [0, 1]


async def test_a_tampered_before_cursor_is_refused(repo_factory):
    repo = repo_factory(Event)
    await _events(repo, 5)
    page = await repo.paginate_keyset(after=(await repo.paginate_keyset(limit=2)).next_cursor)
    payload, signature = page.prev_cursor.split(".")
    with pytest.raises(InvalidCursorError):
        await repo.paginate_keyset(before=f"{payload}A.{signature}")
    with pytest.raises(InvalidCursorError):
        await repo.paginate_keyset(before=page.prev_cursor, order_by="-id")


async def test_after_and_before_together_are_refused(repo_factory):
    with pytest.raises(ValueError, match="not both"):
        await repo_factory(Event).paginate_keyset(after="x", before="y")
