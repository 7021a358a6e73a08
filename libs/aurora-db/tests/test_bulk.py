"""update_many and delete_many: by criteria, by ids, and by primary key per row."""

from __future__ import annotations

import pytest
from db_models import Subject, Tag
from sqlalchemy import true

from aurora.db import In, Range


async def _subjects(repo, count: int = 6) -> list[Subject]:
    await repo.insert_many([{"name": f"s{i}", "credits": i} for i in range(count)])
    return await repo.list(order_by="name")


async def test_update_many_by_criteria_sets_values_and_bumps_versions(repo_factory):
    repo = repo_factory(Subject)
    await _subjects(repo)
    assert await repo.update_many({"credits": 0}, Range("credits", ge=3)) == 3
    rows = await repo.list(order_by="name", execution_options={"populate_existing": True})
    assert [(s.credits, s.version) for s in rows] == [
        (0, 1), (1, 1), (2, 1), (0, 2), (0, 2), (0, 2)
    ]  # fmt: skip


async def test_update_many_keeps_loaded_instances_in_step(repo_factory):
    repo = repo_factory(Subject)
    first = (await _subjects(repo))[0]
    await repo.update_many({"credits": 9}, name="s0")
    assert first.credits == 9


async def test_update_many_by_ids(repo_factory):
    repo = repo_factory(Subject)
    subjects = await _subjects(repo)
    ids = [subjects[1].id, str(subjects[2].id)]  # ids as text are welcome too
    assert await repo.update_many({"credits": 7}, ids=ids) == 2
    assert await repo.count(credits=7) == 2
    assert await repo.update_many({"credits": 7}, ids=[]) == 0


async def test_update_many_rows_by_primary_key(repo_factory):
    repo = repo_factory(Subject)
    subjects = await _subjects(repo, 3)
    rows = [{"id": s.id, "credits": 10 + i} for i, s in enumerate(subjects)]
    assert await repo.update_many(rows) == 3
    fresh = await repo.list(order_by="name", execution_options={"populate_existing": True})
    assert [(s.credits, s.version) for s in fresh] == [(10, 2), (11, 2), (12, 2)]


async def test_update_many_rows_translate_attribute_names(repo_factory):
    repo = repo_factory(Tag)
    await repo.insert_many([{"id": 1, "label": "a"}, {"id": 2, "label": "b"}])
    assert await repo.update_many([{"id": 1, "uses": 5}, {"id": 2, "uses": 6}]) == 2
    assert [t.uses for t in await repo.list(order_by="id")] == [5, 6]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"credits": 1}], "primary key"),
        ([{"id": 1, "credits": 1}, {"id": 2, "name": "x"}], "same keys"),
    ],
)
async def test_update_many_rows_must_be_uniform_and_keyed(repo_factory, rows, message):
    with pytest.raises(ValueError, match=message):
        await repo_factory(Subject).update_many(rows)


async def test_bulk_writes_refuse_to_touch_every_row_by_omission(repo_factory):
    repo = repo_factory(Subject)
    await _subjects(repo, 2)
    with pytest.raises(ValueError, match="needs ids or a filter"):
        await repo.update_many({"credits": 0})
    with pytest.raises(ValueError, match="needs ids or a filter"):
        await repo.delete_many()
    assert await repo.update_many({"credits": 0}, true()) == 2


async def test_delete_many_by_ids_and_by_filter(repo_factory):
    repo = repo_factory(Subject)
    subjects = await _subjects(repo)
    assert await repo.delete_many(ids=[subjects[0].id, subjects[1].id]) == 2
    assert await repo.delete_many(In("name", ["s2", "s3"])) == 2
    assert await repo.delete_many(credits=5) == 1
    assert [s.name for s in await repo.list()] == ["s4"]


async def test_delete_many_by_many_ids_is_chunked(repo_factory):
    """More ids than one statement may bind still delete in one call."""
    repo = repo_factory(Tag)
    await repo.insert_many([{"id": i, "label": f"t{i}"} for i in range(12_000)])
    assert await repo.delete_many(ids=range(0, 12_000, 2)) == 6_000
    assert await repo.count() == 6_000
