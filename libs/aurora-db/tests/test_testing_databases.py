"""aurora.testing.isolation: the CI-fail/local-skip rule, schemas, per-test transactions."""

from __future__ import annotations

import psycopg
import pytest
from db_models import Subject
from sqlalchemy import func, select, text

from aurora.db import build_async_engine, build_engine, database_target
from aurora.testing.isolation import (
    POSTGRES_URL_ENV,
    REDIS_URL_ENV,
    async_transactional_session,
    postgres_schema,
    postgres_url,
    redis_url,
    transactional_session,
    unique_name,
)

UNREACHABLE_PG = "postgresql+psycopg://nobody:secret@127.0.0.1:1/none"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_reachable_postgres_url_is_returned():
    assert postgres_url().startswith("postgresql")


@pytest.mark.parametrize(
    ("variable", "url", "helper"),
    [
        (POSTGRES_URL_ENV, UNREACHABLE_PG, postgres_url),
        (REDIS_URL_ENV, UNREACHABLE_REDIS, redis_url),
    ],
    ids=["postgres", "redis"],
)
def test_unreachable_server_skips_locally_and_fails_in_ci(monkeypatch, variable, url, helper):
    monkeypatch.setenv(variable, url)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        helper()
    assert variable in str(skipped.value)
    assert "secret" not in str(skipped.value)  # passwords are never printed
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run this test"):
        helper()


def test_redis_url_when_reachable():
    assert redis_url().startswith("redis://")


def test_schema_is_isolated_and_dropped():
    with postgres_schema() as schema:
        engine = build_engine(database_target(schema.url))
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE scratch (id int)"))
            assert connection.scalar(text("SELECT current_schema()")) == schema.name
        engine.dispose()
    with psycopg.connect(postgres_url().replace("+psycopg", "")) as connection:
        row = connection.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema.name,)
        ).fetchone()
    assert row is None


def test_unique_names_differ():
    assert unique_name("t") != unique_name("t")
    assert unique_name("stream").startswith("stream_")


def _count(engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Subject)))


def test_transactional_session_rolls_back_even_commits(db_url):
    engine = build_engine(database_target(db_url))
    with transactional_session(engine) as session:
        session.add(Subject(name="Math"))
        session.commit()  # only releases a savepoint
        session.add(Subject(name="Art"))
        session.commit()
        assert session.scalar(select(func.count()).select_from(Subject)) == 2
    assert _count(engine) == 0
    engine.dispose()


async def test_async_transactional_session_rolls_back_even_commits(db_url):
    engine = build_async_engine(database_target(db_url))
    async with async_transactional_session(engine) as session:
        session.add(Subject(name="Math"))
        await session.commit()
        assert await session.scalar(select(func.count()).select_from(Subject)) == 1
    await engine.dispose()
    check = build_engine(database_target(db_url))
    assert _count(check) == 0
    check.dispose()
