"""The migrations build exactly the schema the models describe, and take it down again."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from aurora.db.migrations import check_at_head, check_models, downgrade, upgrade
from aurora.testing.isolation import postgres_schema

from subject_service.database import MIGRATIONS_DIR
from subject_service.settings import SERVICE_NAME


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind (PostgreSQL: a throw-away schema)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'schema.db'}"
    else:
        with postgres_schema() as schema:
            yield schema.url


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_reaches_head_and_matches_the_models(database_url: str) -> None:
    upgrade(SERVICE_NAME, MIGRATIONS_DIR, url=database_url)

    check_at_head(SERVICE_NAME, MIGRATIONS_DIR, url=database_url)
    # Fails, listing the differences, when a model changed without a migration.
    check_models(SERVICE_NAME, MIGRATIONS_DIR, url=database_url)
    assert "subjects" in tables(database_url)
    assert {"aurora_outbox", "aurora_inbox"} <= tables(database_url)


def test_downgrade_removes_everything_the_upgrade_made(database_url: str) -> None:
    upgrade(SERVICE_NAME, MIGRATIONS_DIR, url=database_url)

    downgrade(SERVICE_NAME, MIGRATIONS_DIR, "base", url=database_url)

    assert tables(database_url) <= {"alembic_version"}
