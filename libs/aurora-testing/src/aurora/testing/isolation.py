"""Real databases for tests: PostgreSQL and Redis on loopback, isolated per test.

Two rules every Aurora suite follows, implemented once here:

* A test that needs PostgreSQL or Redis and can't reach it **fails** when ``CI`` is
  set (CI promises both) and is **skipped** with the reason otherwise, so a
  newcomer's first ``pytest`` run isn't a wall of connection errors.
* Test files run in parallel against the same servers, so each test works in its
  own PostgreSQL schema (:func:`postgres_schema`) or with unique names
  (:func:`unique_name`), and cleans up after itself.

Per-test transactions (:func:`transactional_session`) give tests that don't
need commits to be visible elsewhere a cheaper isolation: everything the test
did, commits included, is rolled back at the end.

    @pytest.fixture
    def db_url() -> Iterator[str]:
        with postgres_schema() as schema:  # skips (or fails in CI) without PostgreSQL
            yield schema.url

    def test_subjects(db_url):
        engine = build_engine(database_target(db_url))  # from aurora.db
        with transactional_session(engine) as session:
            ...
        engine.dispose()
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

__all__ = [
    "DEFAULT_POSTGRES_URL",
    "DEFAULT_REDIS_URL",
    "POSTGRES_URL_ENV",
    "REDIS_URL_ENV",
    "PostgresSchema",
    "async_transactional_session",
    "postgres_schema",
    "postgres_url",
    "redis_url",
    "transactional_session",
    "unique_name",
]

POSTGRES_URL_ENV = "AURORA_TEST_POSTGRES_URL"
REDIS_URL_ENV = "AURORA_TEST_REDIS_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
_PROBE_TIMEOUT = 3


def postgres_url() -> str:
    """The test PostgreSQL's SQLAlchemy URL (``$AURORA_TEST_POSTGRES_URL`` or the default).

    Fails the calling test under ``CI`` and skips it elsewhere when the server
    doesn't answer.
    """
    url = os.environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL
    problem = _probe_postgres(url)
    if problem is not None:
        _unavailable("PostgreSQL", url, POSTGRES_URL_ENV, problem)
    return url


def redis_url() -> str:
    """The test Redis URL (``$AURORA_TEST_REDIS_URL`` or the default), same rule as :func:`postgres_url`."""
    url = os.environ.get(REDIS_URL_ENV) or DEFAULT_REDIS_URL
    problem = _probe_redis(url)
    if problem is not None:
        _unavailable("Redis", url, REDIS_URL_ENV, problem)
    return url


def _unavailable(what: str, url: str, variable: str, problem: str) -> NoReturn:
    shown = make_url(url).render_as_string(hide_password=True) if "://" in url else url
    message = f"{what} is not reachable at {shown} ({problem}); start it or set {variable}"
    if os.environ.get("CI"):
        pytest.fail(f"{message}. CI must run this test.", pytrace=False)
    pytest.skip(message)


def _libpq_url(url: str) -> str:
    """The libpq form (``postgresql://``) of a SQLAlchemy PostgreSQL URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@functools.cache
def _probe_postgres(url: str) -> str | None:
    import psycopg  # - only suites that use PostgreSQL pay for the import

    try:
        with psycopg.connect(_libpq_url(url), connect_timeout=_PROBE_TIMEOUT) as connection:
            connection.execute("SELECT 1")
    except Exception as exc:
        return (
            f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        )
    return None


@functools.cache
def _probe_redis(url: str) -> str | None:
    import redis

    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=_PROBE_TIMEOUT, socket_timeout=_PROBE_TIMEOUT
        )
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def unique_name(prefix: str = "test") -> str:
    """A name no other test run will use (a table, a stream, a key): ``prefix_<12 hex>``."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True, slots=True)
class PostgresSchema:
    """A throw-away schema: its ``name`` and a ``url`` whose connections use it by default."""

    name: str
    url: str


@contextmanager
def postgres_schema(url: str | None = None, *, prefix: str = "test") -> Iterator[PostgresSchema]:
    """Create a uniquely named schema, yield it, and drop it (``CASCADE``) afterwards.

    The yielded URL sets ``search_path`` through libpq's ``options``, so unqualified
    tables (``create_all``, Alembic's version table) land in the schema. Dispose
    engines that used it before the block ends: the drop waits for their locks
    (at most 10 s, then fails rather than hangs).
    """
    import psycopg
    from psycopg import sql

    base = url or postgres_url()
    name = unique_name(prefix)
    with psycopg.connect(_libpq_url(base), autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    try:
        yield PostgresSchema(name=name, url=_with_search_path(base, name))
    finally:
        with psycopg.connect(_libpq_url(base), autocommit=True) as connection:
            connection.execute("SET lock_timeout = '10s'")
            connection.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name))
            )


def _with_search_path(url: str, schema: str) -> str:
    parsed = make_url(url)
    existing = parsed.query.get("options")
    options = " ".join([*([str(existing)] if existing else []), f"-csearch_path={schema}"])
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


@contextmanager
def transactional_session(engine: Engine, **session_options: Any) -> Iterator[Session]:
    """A session inside a transaction that is rolled back when the block ends.

    The code under test may commit: with ``join_transaction_mode="create_savepoint"``
    its commits only release savepoints of the outer transaction. On SQLite use an
    engine built by aurora.db, which emits real ``BEGIN``s (the ``sqlite3`` driver's
    legacy mode breaks savepoints).
    """
    with engine.connect() as connection:
        transaction = connection.begin()
        session = Session(
            bind=connection,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
            **session_options,
        )
        try:
            yield session
        finally:
            session.close()
            if transaction.is_active:
                transaction.rollback()


@asynccontextmanager
async def async_transactional_session(
    engine: AsyncEngine, **session_options: Any
) -> AsyncIterator[AsyncSession]:
    """The asyncio twin of :func:`transactional_session`."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(
            bind=connection,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
            **session_options,
        )
        try:
            yield session
        finally:
            await session.close()
            if transaction.is_active:
                await transaction.rollback()
