"""A database per test: a SQLite file or a PostgreSQL schema, with the given tables."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import Session
from testing_inner import run_inner

from aurora.testing import BACKENDS, Database, free_port, open_database
from aurora.testing.isolation import postgres_url

metadata = MetaData()
notes = Table(
    "notes", metadata, Column("id", Integer, primary_key=True), Column("body", String(50))
)


@pytest.fixture()
def database_metadata() -> MetaData:
    return metadata


@pytest.mark.parametrize("database", BACKENDS, indirect=True)
def test_the_database_has_the_metadatas_tables_and_nothing_in_them(database: Database) -> None:
    assert database.backend in BACKENDS
    assert database.count("notes") == 0
    with database.session() as session:
        session.execute(insert(notes).values(body="hello"))
    assert database.rows("notes") == [{"id": 1, "body": "hello"}]
    assert database.count(notes, body="hello") == 1


def test_sqlite_is_the_default_and_lives_in_the_tests_directory(
    database: Database, tmp_path: Path
) -> None:
    assert database.backend == "sqlite" and database.schema is None
    assert database.url.startswith(f"sqlite:///{tmp_path}")


@pytest.mark.parametrize("database", BACKENDS, indirect=True)
def test_db_session_commits_only_inside_the_tests_transaction(
    database: Database, db_session: Session
) -> None:
    db_session.execute(insert(notes).values(body="draft"))
    db_session.commit()  # releases a savepoint; the outer transaction stays open

    assert db_session.scalars(select(notes.c.body)).all() == ["draft"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_transaction_leaves_no_trace(backend: str, tmp_path: Path) -> None:
    with open_database(backend, directory=tmp_path, metadata=metadata) as database:
        with database.transaction() as session:
            session.execute(insert(notes).values(body="gone"))
            session.commit()
            assert database.count("notes") == 0  # other connections never see it
        assert database.count("notes") == 0


def test_a_postgresql_schema_is_dropped_afterwards(tmp_path: Path) -> None:
    with open_database("postgresql", directory=tmp_path, metadata=metadata) as database:
        schema = database.schema
        assert database.execute("SELECT current_schema() AS name") == [{"name": schema}]

    libpq = postgres_url().replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(libpq) as connection:
        found = connection.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s", (schema,)
        ).fetchone()
    assert found == (0,)


@pytest.mark.parametrize("database", BACKENDS, indirect=True)
async def test_the_async_url_reaches_the_same_database(database: Database) -> None:
    database.execute("INSERT INTO notes (body) VALUES (:body)", body="shared")
    engine = create_async_engine(database.async_url)
    try:
        async with engine.connect() as connection:
            found = (await connection.execute(text("SELECT body FROM notes"))).scalars().all()
    finally:
        await engine.dispose()
    assert found == ["shared"]


def test_make_database_gives_independent_databases(
    make_database: Callable[..., Database],
) -> None:
    first, second = make_database(), make_database(metadata=MetaData())
    first.execute("INSERT INTO notes (body) VALUES ('only here')")

    assert first.count("notes") == 1
    assert first.url != second.url
    assert second.execute("SELECT name FROM sqlite_master WHERE type = 'table'") == []


def test_an_unknown_backend_is_refused(tmp_path: Path) -> None:
    with (
        pytest.raises(ValueError, match="unknown database backend 'mysql'"),
        open_database("mysql", directory=tmp_path),
    ):
        pass


UNREACHABLE_TEST = """
import pytest

@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_needs_postgres(database):
    pass
"""


@pytest.mark.parametrize(("ci", "outcome"), [("", "skipped"), ("true", "errors")])
def test_unreachable_postgresql_fails_in_ci_and_skips_elsewhere(
    inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: str, outcome: str
) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    monkeypatch.setenv("AURORA_TEST_POSTGRES_URL", url)
    monkeypatch.setenv("CI", ci)
    inner.makepyfile(UNREACHABLE_TEST)

    result = run_inner(inner, "-rsf")

    result.assert_outcomes(**{outcome: 1})
    result.stdout.fnmatch_lines(["*PostgreSQL is not reachable at*AURORA_TEST_POSTGRES_URL*"])
