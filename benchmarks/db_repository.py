"""aurora.db repositories against bare SQLAlchemy Core, on SQLite and PostgreSQL.

Same process, same table, same rows, same engine (built by aurora.db, so both
sides pay for the same pragmas and connection options). For each backend:

- bulk insert of 10,000 rows: Core ``executemany`` vs ``repo.insert_many``
  (and, for reference, ``repo.add_many`` of ORM instances through the unit of work);
- upsert of 10,000 existing rows (``ON CONFLICT DO UPDATE``): Core vs ``repo.upsert_many``;
- a keyset walk through all 10,000 rows, 100 per page: Core rows vs plain ORM
  ``select`` vs ``repo.paginate_keyset`` (signed cursors, ORM entities);
- one page of 100 at page 1 and at page 100: offset (``repo.paginate``, with its
  count) vs keyset (``repo.paginate_keyset``), to show keyset cost staying flat;
- bulk update and delete of 10,000 rows: ``repo.update_many`` (by criteria, and per
  row by primary key in one executemany) and ``repo.delete_many`` (by ids, by
  criteria) vs the Core statements a hand-written version would run.

Each figure is the best of a few runs (ms), the median for the bulk update and
delete rows (``--repeat`` of them, default 3; the machine may be shared and busy,
and a median is steadier there than a best), the sides run alternately;
"ratio" is baseline time / aurora.db time, so 1.0 is parity and the target for
bulk paths is >= 0.8. The baseline column is Core unless the note says otherwise.

Run: PYTHONPATH=$(ls -d libs/*/src | paste -sd:) python benchmarks/db_repository.py
     [--rows 10000] [--repeat 3] [--postgres URL] [--no-postgres] [--bulk-only]

``AURORA_BENCH_SCALE`` (default 1) scales the default ``--rows`` and ``--repeat``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import (
    Engine,
    Index,
    MetaData,
    String,
    bindparam,
    delete,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from aurora.db import (
    NAMING_CONVENTION,
    BaseRepository,
    TimestampMixin,
    UUIDPrimaryKeyMixin,
    build_engine,
    database_target,
    utcnow,
)
from aurora.utils import uuid7

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PAGE = 100
# AURORA_BENCH_SCALE shrinks every count: the smoke test runs the whole script at a few
# percent of its size, so a broken benchmark fails CI, not a reader.
SCALE = float(os.environ.get("AURORA_BENCH_SCALE", "1"))
ROWS = max(2 * PAGE, int(10_000 * SCALE))  # two pages at least: page 1 vs a later one
REPEAT = max(1, int(3 * SCALE))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Item(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    __tablename__ = "bench_items"
    __table_args__ = (Index("ix_bench_items_created_id", "created_at", "id"),)

    name: Mapped[str] = mapped_column(String(40), unique=True)
    qty: Mapped[int]


TABLE = Item.__table__
UPSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def timed(run: Callable[[], Any]) -> float:
    """Wall time of one ``run`` in ms, with the garbage collector held off (it adds noise)."""
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        run()
        return (time.perf_counter() - started) * 1000
    finally:
        gc.enable()


def compare(
    repeat: int,
    *runs: Callable[[], Any],
    reset: Callable[[], None] | None = None,
    summary: Callable[[list[float]], float] = min,
) -> list[float]:
    """Best (or ``summary``) time of each run, taking turns so drift hits all alike."""
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(repeat):
        for index, run in enumerate(runs):
            if reset is not None:
                reset()
            times[index].append(timed(run))
    return [summary(each) for each in times]


class Bench:
    def __init__(self, engine: Engine, rows: int, repeat: int) -> None:
        self.engine, self.repeat = engine, repeat
        self.dialect = engine.dialect.name
        # Ids given, so a refill brings back the same rows (deleting by ids needs them).
        self.rows = [{"id": uuid7(), "name": f"item-{i:06d}", "qty": i} for i in range(rows)]

    def settle(self) -> None:
        """Start each timed run with an empty SQLite WAL.

        Otherwise the automatic checkpoint (every ~1000 pages) lands on whichever
        side's commit crosses the threshold, and alternation makes that systematic.
        """
        if self.dialect == "sqlite":
            # On the driver connection: aurora.db's engine begins a transaction on first
            # use, and SQLite refuses to checkpoint inside one ("database table is locked").
            connection = self.engine.raw_connection()
            try:
                connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                connection.close()

    def empty(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(TABLE.delete())
        self.settle()

    def filled(self) -> None:
        self.empty()
        with self.engine.begin() as connection:
            connection.execute(insert(TABLE), self.rows)

    # -- bulk insert -----------------------------------------------------------------------

    def core_insert(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(insert(TABLE), self.rows)

    def repo_insert_many(self) -> None:
        with Session(self.engine) as session, session.begin():
            BaseRepository(session, Item).insert_many(self.rows)

    def repo_add_many(self) -> None:
        with Session(self.engine) as session, session.begin():
            BaseRepository(session, Item).add_many(Item(**row) for row in self.rows)

    # -- upsert ----------------------------------------------------------------------------

    def core_upsert(self) -> None:
        statement = UPSERT[self.dialect](TABLE)
        statement = statement.on_conflict_do_update(
            index_elements=[TABLE.c.name],
            set_={"qty": statement.excluded.qty, "updated_at": utcnow()},
        )
        with self.engine.begin() as connection:
            connection.execute(statement, self.rows)

    def repo_upsert_many(self) -> None:
        with Session(self.engine) as session, session.begin():
            BaseRepository(session, Item).upsert_many(self.rows, match_on=["name"])

    # -- keyset walk -----------------------------------------------------------------------

    def core_walk(self) -> int:
        seen, after = 0, None
        order = (TABLE.c.created_at.desc(), TABLE.c.id.desc())
        with self.engine.connect() as connection:
            while True:
                statement = select(TABLE).order_by(*order).limit(PAGE)
                if after is not None:
                    statement = statement.where(tuple_(TABLE.c.created_at, TABLE.c.id) < after)
                page = connection.execute(statement).all()
                seen += len(page)
                if len(page) < PAGE:
                    return seen
                after = (page[-1].created_at, page[-1].id)

    def orm_walk(self) -> int:
        seen, after = 0, None
        with Session(self.engine) as session:
            while True:
                statement = (
                    select(Item).order_by(Item.created_at.desc(), Item.id.desc()).limit(PAGE)
                )
                if after is not None:
                    statement = statement.where(tuple_(Item.created_at, Item.id) < after)
                page = session.scalars(statement).all()
                seen += len(page)
                if len(page) < PAGE:
                    return seen
                after = (page[-1].created_at, page[-1].id)
                session.expunge_all()

    def repo_walk(self) -> int:
        seen, cursor = 0, None
        with Session(self.engine) as session:
            repo = BaseRepository(session, Item, cursor_key="bench")
            while True:
                page = repo.paginate_keyset(
                    after=cursor, limit=PAGE, order_by=["-created_at", "-id"]
                )
                seen += len(page.items)
                if page.next_cursor is None:
                    return seen
                cursor = page.next_cursor
                session.expunge_all()

    # -- bulk update and delete -----------------------------------------------------------

    def ids(self) -> list[uuid.UUID]:
        with self.engine.connect() as connection:
            return list(connection.execute(select(TABLE.c.id).order_by(TABLE.c.id)).scalars())

    def core_update_rows(self, ids: list[uuid.UUID]) -> Callable[[], None]:
        statement = update(TABLE).where(TABLE.c.id == bindparam("b_id"))
        statement = statement.values(qty=bindparam("b_qty"))
        rows = [{"id": ident, "qty": n} for n, ident in enumerate(ids)]

        def run() -> None:
            # The same rows in as the repository gets; Core needs them keyed by bind name.
            params = [{"b_id": row["id"], "b_qty": row["qty"]} for row in rows]
            with self.engine.begin() as connection:
                connection.execute(statement, params)

        return run

    def repo_update_rows(self, ids: list[uuid.UUID]) -> Callable[[], None]:
        rows = [{"id": ident, "qty": n} for n, ident in enumerate(ids)]

        def run() -> None:
            with Session(self.engine) as session, session.begin():
                assert BaseRepository(session, Item).update_many(rows) == len(rows)

        return run

    def core_update_where(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(TABLE).where(TABLE.c.qty >= 0).values(qty=1))

    def repo_update_where(self) -> None:
        with Session(self.engine) as session, session.begin():
            BaseRepository(session, Item).update_many({"qty": 1}, Item.qty >= 0)

    def core_delete_ids(self, ids: list[uuid.UUID]) -> Callable[[], None]:
        def run() -> None:
            with self.engine.begin() as connection:
                connection.execute(delete(TABLE).where(TABLE.c.id.in_(ids)))

        return run

    def repo_delete_ids(self, ids: list[uuid.UUID]) -> Callable[[], None]:
        def run() -> None:
            with Session(self.engine) as session, session.begin():
                assert BaseRepository(session, Item).delete_many(ids=ids) == len(ids)

        return run

    def core_delete_where(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(TABLE).where(TABLE.c.qty >= 0))

    def repo_delete_where(self) -> None:
        with Session(self.engine) as session, session.begin():
            BaseRepository(session, Item).delete_many(Item.qty >= 0)

    # -- offset vs keyset at depth -----------------------------------------------------------

    def cursor_before_page(self, number: int) -> str | None:
        with Session(self.engine) as session:
            repo = BaseRepository(session, Item, cursor_key="bench")
            cursor = None
            for _ in range(number - 1):
                cursor = repo.paginate_keyset(
                    after=cursor, limit=PAGE, order_by=["-created_at", "-id"]
                ).next_cursor
            return cursor

    def offset_page(self, number: int) -> Callable[[], Any]:
        def run() -> Any:
            with Session(self.engine) as session:
                repo = BaseRepository(session, Item)
                return repo.paginate(page=number, page_size=PAGE, order_by=["-created_at", "-id"])

        return run

    def keyset_page(self, cursor: str | None) -> Callable[[], Any]:
        def run() -> Any:
            with Session(self.engine) as session:
                repo = BaseRepository(session, Item, cursor_key="bench")
                return repo.paginate_keyset(
                    after=cursor, limit=PAGE, order_by=["-created_at", "-id"]
                )

        return run


def measure_bulk_writes(
    bench: Bench, rows: int, repeat: int
) -> list[tuple[str, float, float, str]]:
    """Bulk update and delete rows: medians of interleaved runs."""
    median = statistics.median
    bench.filled()
    ids = bench.ids()
    core, ours = compare(
        repeat, bench.core_update_rows(ids), bench.repo_update_rows(ids),
        reset=bench.settle, summary=median,
    )  # fmt: skip
    results = [(f"update {rows:,} rows by key: update_many(rows)", core, ours, "one executemany")]
    core, ours = compare(
        repeat, bench.core_update_where, bench.repo_update_where, reset=bench.settle, summary=median
    )
    results.append((f"update {rows:,} rows: update_many(values, filter)", core, ours, "one UPDATE"))
    core, ours = compare(
        repeat, bench.core_delete_ids(ids), bench.repo_delete_ids(ids),
        reset=bench.filled, summary=median,
    )  # fmt: skip
    results.append((f"delete {rows:,} rows: delete_many(ids=...)", core, ours, "id IN (...)"))
    core, ours = compare(
        repeat, bench.core_delete_where, bench.repo_delete_where, reset=bench.filled, summary=median
    )
    results.append((f"delete {rows:,} rows: delete_many(filter)", core, ours, "one DELETE"))
    return results


def measure(
    engine: Engine, rows: int, repeat: int, bulk_only: bool = False
) -> list[tuple[str, float, float, str]]:
    """(operation, baseline ms, repository ms, note) rows for one backend."""
    bench = Bench(engine, rows, repeat)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    if bulk_only:
        results = measure_bulk_writes(bench, rows, repeat)
        Base.metadata.drop_all(engine)
        return results
    results = []
    # Bulk paths get more runs: on a busy machine the server's write timings wander.
    core, ours = compare(repeat + 2, bench.core_insert, bench.repo_insert_many, reset=bench.empty)
    (uow,) = compare(max(1, repeat - 1), bench.repo_add_many, reset=bench.empty)
    results.append((f"insert {rows:,} rows: insert_many", core, ours, "same dicts in"))
    results.append((f"insert {rows:,} rows: add_many", core, uow, "ORM instances, unit of work"))
    bench.filled()
    core, ours = compare(repeat + 2, bench.core_upsert, bench.repo_upsert_many, reset=bench.settle)
    results.append(
        (f"upsert {rows:,} existing rows: upsert_many", core, ours, "ON CONFLICT DO UPDATE")
    )
    assert bench.core_walk() == bench.orm_walk() == bench.repo_walk() == rows
    core, orm, ours = compare(repeat, bench.core_walk, bench.orm_walk, bench.repo_walk)
    pages = rows // PAGE
    results.append(
        (f"keyset walk, {pages} pages: ORM select (no repository)", core, orm, "entities vs rows")
    )
    results.append(
        (f"keyset walk, {pages} pages: paginate_keyset", core, ours, "entities + signed cursors")
    )
    results.append(
        (f"keyset walk, {pages} pages: paginate_keyset vs ORM select", orm, ours, "repository cost")
    )
    deep = min(100, pages)
    cursor = bench.cursor_before_page(deep)
    first, last = compare(repeat * 5, bench.offset_page(1), bench.offset_page(deep))
    results.append(
        (f"offset (paginate + count): page 1 vs page {deep}", first, last, "page 1 / page N")
    )
    first, last = compare(repeat * 5, bench.keyset_page(None), bench.keyset_page(cursor))
    results.append(
        (f"keyset (paginate_keyset): page 1 vs page {deep}", first, last, "page 1 / page N")
    )
    results.extend(measure_bulk_writes(bench, rows, repeat))
    Base.metadata.drop_all(engine)
    return results


@contextlib.contextmanager
def sqlite_engine() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as directory:
        engine = build_engine(
            database_target(f"sqlite:///{Path(directory) / 'bench.db'}", slow_query_ms=None)
        )
        try:
            yield engine
        finally:
            engine.dispose()


@contextlib.contextmanager
def postgres_engine(url: str) -> Iterator[Engine]:
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(libpq, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    target_url = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = build_engine(database_target(target_url, slow_query_ms=None))
    try:
        yield engine
    finally:
        engine.dispose()
        with psycopg.connect(libpq, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument(
        "--postgres", default=os.environ.get("AURORA_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--bulk-only", action="store_true", help="only bulk update and delete")
    args = parser.parse_args()
    started = time.perf_counter()
    # What the imports made lives as long as the process: frozen, it is left out of the
    # full collection before each timed run (``timed``), which would walk it every time.
    gc.freeze()
    backends = [("SQLite", sqlite_engine())]
    if not args.no_postgres:
        backends.append(("PostgreSQL", postgres_engine(args.postgres)))
    print(
        f"aurora.db repository vs SQLAlchemy Core ({datetime.now():%Y-%m-%d}, {args.rows:,} rows)\n"
    )
    print("| backend | operation | baseline ms | aurora.db ms | ratio | note |")
    print("|---|---|---:|---:|---:|---|")
    for name, manager in backends:
        with manager as engine:
            for operation, baseline, ours, note in measure(
                engine, args.rows, args.repeat, args.bulk_only
            ):
                print(
                    f"| {name} | {operation} | {baseline:.1f} | {ours:.1f} | {baseline / ours:.2f} | {note} |"
                )
    print(
        f"\nratio: baseline time / aurora.db time (>= 0.8 is the target for bulk paths). Total {time.perf_counter() - started:.0f} s."
    )


if __name__ == "__main__":
    main()
