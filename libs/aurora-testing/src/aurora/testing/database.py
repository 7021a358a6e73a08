"""A database of its own for each test, with the tables of the given metadata.

Services run on SQLite (embedded) or PostgreSQL, so their tests should run on
both; :func:`open_database` gives either behind one object:

* ``"sqlite"``: a file in the test's directory;
* ``"postgresql"``: a uniquely named schema on the test server, dropped
  afterwards (:func:`aurora.testing.isolation.postgres_schema`), which fails the
  test under ``CI`` and skips it elsewhere when the server is unreachable.

Tables are created from the metadata given (a service's ``Base.metadata``,
``aurora.events.events_metadata``...). Hand :attr:`Database.url` to the code under
test (``EngineRegistry.configure(name, database.url)``, ``AURORA_DATABASE__URL``);
use :attr:`Database.engine` to arrange and inspect data, and
:meth:`Database.transaction` for work that must leave no trace::

    with open_database("postgresql", metadata=Base.metadata, directory=tmp_path) as database:
        with database.transaction() as session:   # rolled back at the end, commits included
            session.add(Subject(name="Math"))
            session.commit()
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Literal, get_args

from sqlalchemy import Engine, MetaData, Table, func, select, text
from sqlalchemy.orm import Session

from aurora.db import build_engine, database_target, read_only
from aurora.testing.isolation import postgres_schema, transactional_session

__all__ = ["BACKENDS", "Backend", "Database", "open_database"]

Backend = Literal["sqlite", "postgresql"]
BACKENDS: tuple[Backend, ...] = get_args(Backend)
"""Every backend Aurora supports, for ``@pytest.mark.parametrize(..., indirect=True)``."""


class Database:
    """One test's database: where it is, and its tables. Build with :func:`open_database`.

    Attributes:
        backend: ``"sqlite"`` or ``"postgresql"``.
        url: The sync SQLAlchemy URL (with the password), what aurora.db and
            aurora.config take; on PostgreSQL it selects the test's schema.
        schema: The PostgreSQL schema name (``None`` on SQLite).
        metadata: The metadata whose tables were created.
    """

    def __init__(
        self, backend: Backend, url: str, *, schema: str | None, metadata: tuple[MetaData, ...]
    ) -> None:
        self.backend = backend
        self.url = url
        self.schema = schema
        self.metadata = metadata
        self._engine: Engine | None = None

    @property
    def async_url(self) -> str:
        """The same database for asyncio drivers (``aiosqlite``, psycopg async)."""
        target = database_target(self.url)
        return target.async_url.render_as_string(hide_password=False)

    @property
    def engine(self) -> Engine:
        """A sync engine built the way aurora.db builds them (created on first use)."""
        if self._engine is None:
            self._engine = build_engine(database_target(self.url), name="aurora-testing")
        return self._engine

    def create_tables(self, *metadata: MetaData) -> None:
        """Create the tables of ``metadata`` (those given at opening when omitted)."""
        for each in metadata or self.metadata:
            each.create_all(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block succeeds: to arrange data before a request."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work, commits included, is rolled back when the block ends."""
        with transactional_session(self.engine) as session:
            yield session

    def rows(self, table: str | Table, **where: Any) -> list[dict[str, Any]]:
        """The rows of ``table`` (name or ``Table``) whose columns equal ``where``, as dicts."""
        selected = self._table(table)
        query = select(selected).where(*(selected.c[key] == value for key, value in where.items()))
        # Read-only: on SQLite, don't queue for the write lock a test's open
        # transaction (``transaction()``, a request in flight) may hold.
        with read_only(self.engine).connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def count(self, table: str | Table, **where: Any) -> int:
        """How many rows of ``table`` have columns equal to ``where``."""
        selected = self._table(table)
        query = select(func.count()).select_from(selected)
        query = query.where(*(selected.c[key] == value for key, value in where.items()))
        with read_only(self.engine).connect() as connection:
            return int(connection.execute(query).scalar_one())

    def execute(self, statement: str, **parameters: Any) -> list[dict[str, Any]]:
        """Run raw SQL in its own committed transaction; returns the rows it produced."""
        with self.engine.begin() as connection:
            result = connection.execute(text(statement), parameters)
            return [dict(row._mapping) for row in result] if result.returns_rows else []

    def _table(self, table: str | Table) -> Table:
        if isinstance(table, Table):
            return table
        for each in self.metadata:
            if table in each.tables:
                return each.tables[table]
        return Table(table, MetaData(), autoload_with=read_only(self.engine))

    def dispose(self) -> None:
        """Close the engine's connections (a PostgreSQL schema can't be dropped under them)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __repr__(self) -> str:
        where = self.schema or self.url.rsplit("/", 1)[-1]
        return f"Database({self.backend!r}, {where!r})"


@contextmanager
def open_database(
    backend: Backend | str = "sqlite",
    *,
    directory: Path,
    metadata: MetaData | Iterable[MetaData] = (),
    name: str = "test",
) -> Iterator[Database]:
    """Provide an empty database on ``backend`` with ``metadata``'s tables; remove it afterwards.

    Args:
        backend: ``"sqlite"`` or ``"postgresql"``.
        directory: Where the SQLite file goes (a test's ``tmp_path``).
        metadata: One or more ``MetaData`` whose tables are created.
        name: SQLite file stem, and PostgreSQL schema prefix.

    Engines the code under test built on :attr:`Database.url` must be disposed
    before the block ends (a service's shutdown hook does it): on PostgreSQL,
    dropping the schema waits for their locks.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown database backend {backend!r}; use one of {BACKENDS}")
    metadatas = (metadata,) if isinstance(metadata, MetaData) else tuple(metadata)
    with ExitStack() as stack:
        if backend == "postgresql":
            schema = stack.enter_context(postgres_schema(prefix=name))
            database = Database("postgresql", schema.url, schema=schema.name, metadata=metadatas)
        else:
            directory.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{directory / f'{name}.db'}"
            database = Database("sqlite", url, schema=None, metadata=metadatas)
        stack.callback(database.dispose)
        database.create_tables()
        yield database
