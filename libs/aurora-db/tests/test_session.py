"""Units of work: commit on success, rollback on any exception, errors translated."""

from __future__ import annotations

import uuid

import pytest
from db_models import Enrollment, Subject
from db_registry import SERVICE
from sqlalchemy import select, text

from aurora.db import (
    BaseRepository,
    ForeignKeyViolationError,
    UniqueViolationError,
    get_async_db_session,
    get_db_session,
    use_registry,
)


class BoomError(Exception):
    pass


def _names(registry) -> list[str]:
    with registry.engine(SERVICE).connect() as connection:
        return list(connection.scalars(select(Subject.name).order_by(Subject.name)))


def test_commits_when_the_block_succeeds(registry):
    with get_db_session(SERVICE, registry=registry) as db:
        BaseRepository(db, Subject).add(Subject(name="Math"))
    assert _names(registry) == ["Math"]


def _add_then_fail(registry) -> None:
    with get_db_session(SERVICE, registry=registry) as db:
        BaseRepository(db, Subject).add(Subject(name="Math"))
        raise BoomError


def _enroll_in_nothing(registry) -> None:
    with get_db_session(SERVICE, registry=registry) as db:
        db.add(Subject(name="Math"))
        db.add(Enrollment(subject_id=uuid.uuid4()))  # deferred FK: checked at COMMIT


async def _async_add_then_fail(registry) -> None:
    async with get_async_db_session(SERVICE, registry=registry) as db:
        db.add(Subject(name="Math"))
        await db.flush()
        raise BoomError


async def _async_enroll_in_nothing(registry) -> None:
    async with get_async_db_session(SERVICE, registry=registry) as db:
        db.add(Enrollment(subject_id=uuid.uuid4()))


def test_rolls_back_and_reraises_on_any_exception(registry):
    with pytest.raises(BoomError):
        _add_then_fail(registry)
    assert _names(registry) == []


def test_failed_commit_is_translated_and_nothing_is_written(registry):
    """A deferred foreign key is only checked at COMMIT: the commit itself fails."""
    with pytest.raises(ForeignKeyViolationError) as caught:
        _enroll_in_nothing(registry)
    assert caught.value.status == 409
    assert _names(registry) == []


def test_raw_sql_errors_leaving_the_block_are_translated(registry):
    with get_db_session(SERVICE, registry=registry) as db:
        db.add(Subject(name="Math"))
    with pytest.raises(UniqueViolationError), get_db_session(SERVICE, registry=registry) as db:
        db.execute(
            text("INSERT INTO subjects (id, name, credits, version) VALUES (:id, 'Math', 0, 1)"),
            {"id": uuid.uuid4().hex},
        )


def test_session_of_the_default_registry(registry):
    with use_registry(registry), get_db_session(SERVICE) as db:
        db.add(Subject(name="Art"))
    assert _names(registry) == ["Art"]


def test_objects_stay_readable_after_commit(registry):
    with get_db_session(SERVICE, registry=registry) as db:
        subject = BaseRepository(db, Subject).add(Subject(name="Math"))
    assert subject.name == "Math"  # expire_on_commit=False: no reload from a closed session


async def test_async_commits_when_the_block_succeeds(async_registry):
    async with get_async_db_session(SERVICE, registry=async_registry) as db:
        db.add(Subject(name="Math"))
    assert _names(async_registry) == ["Math"]


async def test_async_rolls_back_on_exception(async_registry):
    with pytest.raises(BoomError):
        await _async_add_then_fail(async_registry)
    assert _names(async_registry) == []


async def test_async_failed_commit_is_translated(async_registry):
    with pytest.raises(ForeignKeyViolationError):
        await _async_enroll_in_nothing(async_registry)
    assert _names(async_registry) == []
