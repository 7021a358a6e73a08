"""The declarative base and mixins: names, ids, UTC timestamps, versions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from db_models import Event, Subject
from db_registry import SERVICE
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from aurora.db import Base, DatabaseError, get_db_session


def test_constraints_are_named_by_convention():
    names = {c.name for c in Base.metadata.tables["subjects"].constraints}
    assert {"pk_subjects", "uq_subjects_name"} <= names
    assert {c.name for c in Base.metadata.tables["enrollments"].constraints} >= {
        "fk_enrollments_subject_id_subjects",
        "ck_enrollments_seats_not_negative",
    }


def test_versioned_models_use_the_version_column_for_locking():
    assert Subject.__mapper__.version_id_col is Subject.__table__.c.version
    assert Event.__mapper__.version_id_col is None
    assert Subject.__mapper__.eager_defaults is True


def test_columns_are_ordered_id_first_audit_last():
    assert [c.name for c in Subject.__table__.columns] == [
        "id",
        "name",
        "credits",
        "created_at",
        "updated_at",
        "version",
    ]


def test_uuid7_ids_sort_by_creation(registry):
    with get_db_session(SERVICE, registry=registry) as db:
        subjects = [Subject(name=f"s{i}") for i in range(20)]
        db.add_all(subjects)
        db.flush()
    ids = [s.id for s in subjects]
    assert ids == sorted(ids)
    assert {i.version for i in ids} == {7}


def test_timestamps_are_utc_and_set_by_the_database(registry):
    before = datetime.now(UTC) - timedelta(seconds=2)
    with get_db_session(SERVICE, registry=registry) as db:
        subject = Subject(name="Math")
        db.add(subject)
        db.flush()
        assert subject.created_at.tzinfo is UTC
        assert subject.created_at >= before
        created = subject.created_at
    with get_db_session(SERVICE, registry=registry) as db:
        loaded = db.get(Subject, subject.id)
        assert loaded is not None
        assert loaded.created_at == created
        loaded.name = "Maths"
        db.flush()
        assert loaded.updated_at >= created


def test_aware_datetimes_round_trip_as_utc(registry):
    local = datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    with get_db_session(SERVICE, registry=registry) as db:
        db.add(Event(id=1, kind="a", happened_at=local))
    with get_db_session(SERVICE, registry=registry) as db:
        stored = db.scalar(select(Event.happened_at))
    assert stored == local
    assert stored.tzinfo is UTC
    assert stored.hour == 10


def _store_event(registry, **values):
    with get_db_session(SERVICE, registry=registry) as db:
        db.add(Event(id=1, kind="a", **values))


def test_naive_datetimes_are_refused(registry):
    """A bug in the caller: a 500 whose cause chain says what was wrong."""
    naive = datetime(2026, 1, 1)  # the point of the test
    with pytest.raises(DatabaseError) as caught:
        _store_event(registry, happened_at=naive)
    assert caught.value.status == 500
    cause = caught.value.__cause__
    assert isinstance(cause, StatementError)
    assert isinstance(cause.orig, TypeError)
    assert "naive datetime" in str(caught.value.__cause__)


def test_server_defaults_are_portable_sql():
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.schema import CreateTable

    assert "CURRENT_TIMESTAMP" in str(
        CreateTable(Base.metadata.tables["subjects"]).compile(dialect=postgresql.dialect())
    )
    assert "STRFTIME" in str(
        CreateTable(Base.metadata.tables["subjects"]).compile(dialect=sqlite.dialect())
    )


def test_base_metadata_has_the_naming_convention():
    assert Base.metadata.naming_convention["uq"] == "uq_%(table_name)s_%(column_0_N_name)s"
