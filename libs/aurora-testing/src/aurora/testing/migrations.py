"""The migration round trip every service with a database runs, on SQLite and PostgreSQL.

A service's ``tests/test_migrations.py`` is a subclass naming what is its own::

    class TestMigrations(MigrationChecks):
        service_name = SERVICE_NAME
        migrations_dir = MIGRATIONS_DIR
        tables = {"subjects", "aurora_outbox"}

The upgrade must reach head and build exactly the schema the models describe (Alembic's
autogenerate finds no difference), and the downgrade to base must remove everything the
upgrade made. PostgreSQL runs in a throw-away schema (fails under ``CI``, skips elsewhere
when the server is unreachable).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from sqlalchemy import create_engine, inspect

from aurora.db.migrations import check_at_head, check_models, downgrade, upgrade
from aurora.testing.isolation import postgres_schema

__all__ = ["MigrationChecks", "table_names"]


def table_names(url: str) -> set[str]:
    """The tables of the database at ``url``."""
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


class MigrationChecks:
    """A service's migration tests: subclass it as ``Test...`` and set the three attributes."""

    service_name: ClassVar[str]
    migrations_dir: ClassVar[Path]
    tables: ClassVar[set[str]]
    """Tables the upgrade must create (the models' and, with events, the outbox's)."""

    @pytest.fixture(params=["sqlite", "postgresql"])
    def database_url(self, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
        """An empty database of each kind (PostgreSQL: a throw-away schema)."""
        if request.param == "sqlite":
            yield f"sqlite:///{tmp_path / 'schema.db'}"
        else:
            with postgres_schema() as schema:
                yield schema.url

    def test_upgrade_reaches_head_and_matches_the_models(self, database_url: str) -> None:
        upgrade(self.service_name, self.migrations_dir, url=database_url)

        check_at_head(self.service_name, self.migrations_dir, url=database_url)
        # Fails, listing the differences, when a model changed without a migration.
        check_models(self.service_name, self.migrations_dir, url=database_url)
        assert self.tables <= table_names(database_url)

    def test_downgrade_removes_everything_the_upgrade_made(self, database_url: str) -> None:
        upgrade(self.service_name, self.migrations_dir, url=database_url)

        downgrade(self.service_name, self.migrations_dir, "base", url=database_url)

        assert table_names(database_url) <= {"alembic_version"}
