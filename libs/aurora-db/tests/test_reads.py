"""Reads: loader and execution options, ids as their declared type, one-row and counted reads."""

from __future__ import annotations

import gc
import inspect
import uuid
from datetime import UTC, datetime

import pytest
from db_models import Course, Event, Lesson, Subject
from sqlalchemy import exc as sa_exc
from sqlalchemy import update
from sqlalchemy.orm import joinedload, raiseload, selectinload

from aurora.db import DatabaseError, Equal
from aurora.errors import NotFoundError, ValidationError

T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def _course_with_lessons(repo_factory, lessons: int = 3) -> uuid.UUID:
    courses = repo_factory(Course)
    course = Course(title="Algebra", lessons=[Lesson(id=i, position=i) for i in range(lessons)])
    await courses.add(course)
    await courses.commit()
    await courses.close()
    return course.id


@pytest.mark.parametrize("loader", [selectinload, joinedload])
async def test_load_options_reach_every_read(repo_factory, loader):
    course_id = await _course_with_lessons(repo_factory)
    repo = repo_factory(Course)
    option = loader(Course.lessons)
    reads = [
        await repo.get(course_id, load=option),
        await repo.get_one(Course.id == course_id, load=[option]),
        (await repo.list(load=option))[0],
        (await repo.list_and_count(load=option))[0][0],
        (await repo.paginate(load=option)).items[0],
        (await repo.paginate_keyset(load=option)).items[0],
    ]
    for course in reads:  # no lazy load happens here, which an async session could not do
        assert [lesson.position for lesson in course.lessons] == [0, 1, 2]


# aiosqlite leaves the refused load's coroutine unawaited; it is collected inside this test.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_without_load_options_an_async_read_cannot_reach_a_relationship(async_registry):
    """The failure ``load=`` exists to prevent: async sessions refuse lazy loads."""
    from aurora.db import AsyncBaseRepository

    async with async_registry.async_sessionmaker("subject-service")() as session:
        course = await AsyncBaseRepository(session, Course).add(Course(title="Algebra"))
        await session.commit()
    async with async_registry.async_sessionmaker("subject-service")() as session:
        loaded = await AsyncBaseRepository(session, Course).get(course.id)
        with pytest.raises(sa_exc.StatementError, match="greenlet"):
            _ = loaded.lessons
    gc.collect()


async def test_raiseload_makes_an_unplanned_load_an_error(repo_factory):
    course_id = await _course_with_lessons(repo_factory)
    course = await repo_factory(Course).get(course_id, load=raiseload("*"))
    with pytest.raises(sa_exc.InvalidRequestError, match="lazy='raise'"):
        _ = course.lessons


async def test_execution_options_reach_the_statement(repo_factory):
    repo = repo_factory(Subject)
    subject = await repo.add(Subject(name="Math", credits=1))
    result = repo.session.execute(update(Subject.__table__).values(credits=5))  # behind its back
    if inspect.isawaitable(result):
        await result
    assert (await repo.list())[0].credits == 1  # the identity map keeps what it loaded
    fresh = await repo.list(execution_options={"populate_existing": True})
    assert fresh[0] is subject and subject.credits == 5


async def test_get_accepts_a_uuid_string(repo_factory):
    """Ids arrive as text from paths and queues; the key's declared type decides."""
    repo = repo_factory(Subject)
    subject = await repo.add(Subject(name="Math"))
    assert await repo.get(str(subject.id)) is subject
    assert await repo.get(subject.id.hex) is subject
    assert await repo.get_or_none(str(uuid.uuid4())) is None


async def test_get_accepts_an_integer_string(repo_factory):
    repo = repo_factory(Event)
    await repo.insert_many([{"id": 7, "kind": "a", "happened_at": T0}])
    assert (await repo.get("7")).id == 7


@pytest.mark.parametrize(
    ("model", "ident", "named"),
    [(Subject, "not-a-uuid", "UUID"), (Subject, 12, "UUID"), (Event, "x", "int")],
)
async def test_an_id_of_the_wrong_type_is_a_422_naming_the_type(repo_factory, model, ident, named):
    with pytest.raises(ValidationError) as caught:
        await repo_factory(model).get(ident)
    assert caught.value.status == 422
    assert named in caught.value.detail


async def test_get_one_finds_by_criteria(repo_factory):
    repo = repo_factory(Subject)
    await repo.insert_many([{"name": "Math", "credits": 1}, {"name": "Art", "credits": 1}])
    assert (await repo.get_one(name="Art")).name == "Art"
    assert (await repo.get_one(Equal("name", "Math"))).name == "Math"
    assert await repo.get_one_or_none(name="Music") is None
    with pytest.raises(NotFoundError) as caught:
        await repo.get_one(name="Music")
    assert caught.value.resource == "Subject"


async def test_get_one_refuses_several_matches(repo_factory):
    repo = repo_factory(Subject)
    await repo.insert_many([{"name": "Math", "credits": 1}, {"name": "Art", "credits": 1}])
    with pytest.raises(DatabaseError, match="More than one"):
        await repo.get_one(credits=1)
    with pytest.raises(DatabaseError):
        await repo.get_one_or_none(credits=1)


async def test_list_and_count_gives_the_page_and_the_total(repo_factory):
    repo = repo_factory(Subject)
    await repo.insert_many([{"name": f"s{i:02}", "credits": i % 2} for i in range(12)])
    items, total = await repo.list_and_count(credits=1, order_by="name", limit=4, offset=2)
    assert ([s.name for s in items], total) == (["s05", "s07", "s09", "s11"], 6)
    assert await repo.list_and_count(credits=1, limit=4, offset=40) == ([], 6)
    assert await repo.list_and_count(credits=7) == ([], 0)


async def test_unknown_filter_field_is_a_value_error(repo_factory):
    with pytest.raises(ValueError, match="no column 'colour'"):
        await repo_factory(Subject).list(colour="red")
