"""Every repository operation, on SQLite and PostgreSQL, through sync and async sessions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from db_models import Enrollment, Subject, Tag
from sqlalchemy import func

from aurora.db import (
    BaseRepository,
    IntegrityViolationError,
    StaleVersionError,
    UniqueViolationError,
)
from aurora.errors import ConflictError, NotFoundError


async def test_add_flushes_and_fills_server_defaults(repo_factory):
    repo = repo_factory(Subject)
    subject = await repo.add(Subject(name="Math"))
    assert subject.id.version == 7
    assert subject.created_at.tzinfo is UTC
    assert subject.version == 1


async def test_add_many_returns_tracked_instances(repo_factory):
    repo = repo_factory(Subject)
    added = await repo.add_many([Subject(name="Math"), Subject(name="Art")])
    await repo.commit()
    assert [s.name for s in added] == ["Math", "Art"]
    assert await repo.count() == 2


async def test_insert_many_applies_python_defaults(repo_factory):
    repo = repo_factory(Subject)
    assert await repo.insert_many([{"name": f"s{i}"} for i in range(5)]) == 5
    assert await repo.insert_many([]) == 0
    rows = await repo.list(order_by="name")
    assert [r.version for r in rows] == [1] * 5
    assert all(r.id.version == 7 for r in rows)


async def test_get_returns_the_row(repo_factory):
    repo = repo_factory(Subject)
    subject = await repo.add(Subject(name="Math"))
    await repo.commit()
    fresh = repo_factory(Subject)
    assert (await fresh.get(subject.id)).name == "Math"


async def test_get_raises_not_found_naming_model_and_id(repo_factory):
    repo = repo_factory(Subject)
    missing = uuid.uuid4()
    with pytest.raises(NotFoundError) as caught:
        await repo.get(missing)
    assert (caught.value.resource, caught.value.id, caught.value.status) == (
        "Subject",
        str(missing),
        404,
    )


async def test_get_or_none(repo_factory):
    assert await repo_factory(Subject).get_or_none(uuid.uuid4()) is None


async def test_list_filters_orders_and_limits(repo_factory):
    repo = repo_factory(Subject)
    await repo.insert_many(
        [{"name": n, "credits": c} for n, c in [("a", 3), ("b", 1), ("c", 2), ("d", 5)]]
    )
    assert [s.name for s in await repo.list(order_by="-credits")] == ["d", "a", "c", "b"]
    assert [s.name for s in await repo.list(Subject.credits > 1, order_by=Subject.name.desc())] == [
        "d",
        "c",
        "a",
    ]
    assert [s.name for s in await repo.list(credits=2)] == ["c"]
    assert [s.name for s in await repo.list(order_by=[Subject.credits], limit=2, offset=1)] == [
        "c",
        "a",
    ]


async def test_list_rejects_unknown_order_column(repo_factory):
    with pytest.raises(ValueError, match="no column 'nope'"):
        await repo_factory(Subject).list(order_by="nope")


async def test_count_and_exists(repo_factory):
    repo = repo_factory(Subject)
    await repo.insert_many([{"name": "a", "credits": 1}, {"name": "b", "credits": 2}])
    assert await repo.count() == 2
    assert await repo.count(Subject.credits > 1) == 1
    assert await repo.exists(name="a")
    assert not await repo.exists(func.lower(Subject.name) == "zz")


async def test_update_applies_changes_and_bumps_version(repo_factory):
    repo = repo_factory(Subject)
    subject = await repo.add(Subject(name="Math"))
    before = subject.updated_at
    await repo.commit()
    updated = await repo.update(subject.id, {"name": "Maths"}, credits=4, expected_version=1)
    await repo.commit()
    assert (updated.name, updated.credits, updated.version) == ("Maths", 4, 2)
    assert updated.updated_at >= before


async def test_update_with_wrong_expected_version_is_a_conflict(repo_factory):
    repo = repo_factory(Subject)
    subject = await repo.add(Subject(name="Math"))
    with pytest.raises(StaleVersionError) as caught:
        await repo.update(subject, name="x", expected_version=7)
    assert isinstance(caught.value, ConflictError)
    assert caught.value.status == 409


async def test_concurrent_update_is_a_stale_version_conflict(repo_factory):
    """Two sessions load version 1; the second writer loses instead of overwriting."""
    first, second = repo_factory(Subject), repo_factory(Subject)
    subject = await first.add(Subject(name="Math"))
    await first.commit()
    theirs = await second.get(subject.id)
    await second.commit()  # like a request that read it and returned it to a client
    await first.update(subject, credits=1)
    await first.commit()
    with pytest.raises(StaleVersionError):
        await second.update(theirs, credits=2)


async def test_update_rejects_unknown_attribute(repo_factory):
    repo = repo_factory(Subject)
    subject = await repo.add(Subject(name="Math"))
    with pytest.raises(ValueError, match="no attribute 'colour'"):
        await repo.update(subject, colour="red")


async def test_delete_by_id_and_instance(repo_factory):
    repo = repo_factory(Subject)
    a, b = await repo.add_many([Subject(name="a"), Subject(name="b")])
    await repo.commit()
    assert (await repo.delete(a.id)).name == "a"
    await repo.delete(b, expected_version=1)
    await repo.commit()
    assert await repo.count() == 0


async def test_delete_missing_id_raises_not_found(repo_factory):
    with pytest.raises(NotFoundError):
        await repo_factory(Subject).delete(uuid.uuid4())


async def test_upsert_inserts_then_updates_in_place(repo_factory):
    repo = repo_factory(Subject)
    first = await repo.upsert({"name": "Math", "credits": 1}, match_on=["name"])
    await repo.commit()
    second = await repo.upsert({"name": "Math", "credits": 5}, match_on=["name"])
    await repo.commit()
    assert second.id == first.id
    assert (second.credits, second.version) == (5, 2)
    assert second.updated_at >= second.created_at
    assert await repo.count() == 1


async def test_upsert_accepts_an_instance_and_matches_on_primary_key(repo_factory):
    repo = repo_factory(Subject)
    subject_id = uuid.uuid4()
    await repo.upsert(Subject(id=subject_id, name="Math", credits=1))
    await repo.commit()
    again = await repo.upsert({"id": subject_id, "name": "Maths"}, update=["name"])
    assert (again.name, again.credits) == ("Maths", 1)


async def test_upsert_many_bulk(repo_factory):
    repo = repo_factory(Subject)
    await repo.insert_many([{"name": "a", "credits": 1}])
    assert (
        await repo.upsert_many(
            [{"name": "a", "credits": 9}, {"name": "b", "credits": 2}], match_on=["name"]
        )
        == 2
    )
    await repo.commit()
    rows = {s.name: (s.credits, s.version) for s in await repo.list()}
    assert rows == {"a": (9, 2), "b": (2, 1)}


async def test_unique_violation_is_a_conflict_naming_the_constraint(repo_factory):
    repo = repo_factory(Subject)
    await repo.add(Subject(name="Math"))
    with pytest.raises(UniqueViolationError) as caught:
        await repo.add(Subject(name="Math"))
    error = caught.value
    assert (error.status, error.code, error.constraint) == (
        409,
        "unique_violation",
        "uq_subjects_name",
    )
    assert error.context["resource"] == "Subject"
    assert "uq_subjects_name" in (error.detail or "")
    assert error.__cause__ is not None  # translated with `raise ... from exc`


async def test_check_violation_names_the_constraint(repo_factory):
    subjects, enrollments = repo_factory(Subject), repo_factory(Enrollment)
    subject = await subjects.add(Subject(name="Math"))
    await subjects.commit()
    with pytest.raises(IntegrityViolationError) as caught:
        await enrollments.add(Enrollment(subject_id=subject.id, seats=-1))
    assert caught.value.constraint == "ck_enrollments_seats_not_negative"
    assert caught.value.status == 409


async def test_repository_takes_model_from_class_attribute(async_registry):
    class SubjectRepository(BaseRepository[Subject]):
        model = Subject

    with async_registry.sessionmaker("subject-service")() as session:
        assert SubjectRepository(session).count() == 0


def test_repository_without_model_is_a_type_error(registry):
    with (
        registry.sessionmaker("subject-service")() as session,
        pytest.raises(TypeError, match="needs a model"),
    ):
        BaseRepository(session)


async def test_seed_style_subclass(async_registry):
    """The seed's `super().__init__(session, Subject)` form."""

    class SubjectRepository(BaseRepository):  # type: ignore[type-arg]  # as the seed writes it
        def __init__(self, session):
            super().__init__(session, Subject)

    with async_registry.sessionmaker("subject-service")() as session:
        repo = SubjectRepository(session)
        repo.add(Subject(name="Math", created_at=datetime(2026, 1, 1, tzinfo=UTC)))
        assert repo.get_or_none(uuid.uuid4()) is None


async def test_bulk_paths_translate_attribute_names_to_columns(repo_factory):
    repo = repo_factory(Tag)
    assert (
        await repo.insert_many([{"id": 1, "label": "a"}, {"id": 2, "label": "b", "uses": 3}]) == 2
    )
    await repo.upsert_many([{"id": 9, "label": "a", "uses": 5}], match_on=["label"])
    single = await repo.upsert({"id": 8, "label": "b", "uses": 7}, match_on=["label"])
    await repo.commit()
    assert (single.id, single.uses) == (2, 7)
    assert {(t.id, t.label, t.uses) for t in await repo.list()} == {(1, "a", 5), (2, "b", 7)}
    with pytest.raises(ValueError, match="no column attribute 'colour'"):
        await repo.insert_many([{"id": 3, "colour": "red"}])
