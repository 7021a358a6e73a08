"""SoftDeleteMixin rows vanish from every read unless asked for; AuditMixin records who."""

from __future__ import annotations

import pytest
from db_models import Course
from sqlalchemy import select

from aurora.errors import NotFoundError
from aurora.utils import acting_as


async def _courses(repo, *titles: str) -> list[Course]:
    added = await repo.add_many([Course(title=title) for title in titles])
    await repo.commit()
    return added


async def test_delete_only_stamps_deleted_at(repo_factory):
    repo = repo_factory(Course)
    (algebra,) = await _courses(repo, "Algebra")
    await repo.delete(algebra.id)
    assert algebra.deleted_at is not None
    assert await repo.count(include_deleted=True) == 1


async def test_every_read_skips_soft_deleted_rows(repo_factory):
    repo = repo_factory(Course)
    algebra, _ = await _courses(repo, "Algebra", "Botany")
    await repo.delete(algebra)
    assert await repo.get_or_none(algebra.id) is None
    with pytest.raises(NotFoundError):
        await repo.get(algebra.id)
    assert await repo.get_one_or_none(title="Algebra") is None
    assert [c.title for c in await repo.list()] == ["Botany"]
    assert await repo.count() == 1
    assert not await repo.exists(title="Algebra")
    assert (await repo.list_and_count())[1] == 1
    assert [c.title for c in (await repo.paginate()).items] == ["Botany"]
    assert [c.title for c in (await repo.paginate_keyset()).items] == ["Botany"]


async def test_include_deleted_shows_them(repo_factory):
    repo = repo_factory(Course)
    algebra, _ = await _courses(repo, "Algebra", "Botany")
    await repo.delete(algebra)
    assert await repo.get(algebra.id, include_deleted=True) is algebra
    assert await repo.count(include_deleted=True) == 2
    page = await repo.paginate_keyset(include_deleted=True, order_by="title")
    assert [c.title for c in page.items] == ["Algebra", "Botany"]


async def test_hard_delete_removes_the_row(repo_factory):
    repo = repo_factory(Course)
    algebra, botany = await _courses(repo, "Algebra", "Botany")
    await repo.delete(algebra)
    await repo.delete(algebra.id, hard=True)
    assert await repo.delete_many(ids=[botany.id], hard=True) == 1
    assert await repo.count(include_deleted=True) == 0


async def test_delete_many_soft_deletes_and_bulk_updates_skip_deleted_rows(repo_factory):
    repo = repo_factory(Course)
    await _courses(repo, "Algebra", "Botany", "Chemistry")
    assert await repo.delete_many(title="Algebra") == 1
    assert await repo.delete_many(title="Algebra") == 0  # already gone
    assert await repo.update_many({"level": 2}, select(Course.id).exists()) == 2
    rows = [{"id": c.id, "level": 3} for c in await repo.list(include_deleted=True)]
    assert await repo.update_many(rows) == 2
    assert await repo.update_many({"level": 4}, title="Algebra", include_deleted=True) == 1


async def test_audit_columns_record_who_created_and_updated(repo_factory):
    repo = repo_factory(Course)
    with acting_as("alice"):
        (course,) = await _courses(repo, "Algebra")
    with acting_as("bob"):
        await repo.update(course, title="Algebra I")
    assert (course.created_by, course.updated_by) == ("alice", "bob")


async def test_bulk_writes_record_who_too(repo_factory):
    repo = repo_factory(Course)
    with acting_as("importer"):
        await repo.insert_many([{"title": "Algebra"}, {"title": "Botany"}])
    with acting_as("editor"):
        await repo.update_many({"level": 1}, title="Algebra")
        rows = [{"id": c.id, "level": 2} for c in await repo.list(title="Botany")]
        await repo.update_many(rows)
    courses = await repo.list(order_by="title", execution_options={"populate_existing": True})
    assert [(c.created_by, c.updated_by) for c in courses] == [
        ("importer", "editor"),
        ("importer", "editor"),
    ]
