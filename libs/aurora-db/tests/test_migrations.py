"""Per-service Alembic migrations, end to end, on SQLite and PostgreSQL.

Each test builds a service's migrations directory in tmp_path (as ``python -m
aurora.db migrate <service> init`` does), with a models module of its own.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from aurora.db import PendingMigrationsError, PendingModelChangesError
from aurora.db import migrations as m
from aurora.db._cli import main

SERVICE = "course-service"

MODELS_V1 = """
from sqlalchemy import MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from aurora.db import NAMING_CONVENTION, TimestampMixin, UUIDPrimaryKeyMixin, VersionedMixin


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Course(UUIDPrimaryKeyMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "courses"

    title: Mapped[str] = mapped_column(String(200), unique=True)
"""

MODELS_V2 = MODELS_V1 + """
    code: Mapped[str | None] = mapped_column(String(20), index=True)
"""


class Project:
    """A service's migrations directory and its models module, in tmp_path."""

    def __init__(self, root: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.url = url
        self.module = f"models_{uuid.uuid4().hex[:8]}"
        self.source = root / "src"
        self.source.mkdir()
        self.monkeypatch = monkeypatch
        monkeypatch.syspath_prepend(str(self.source))
        self.write_models(MODELS_V1)
        self.dir = m.init_migrations(root / "migrations", SERVICE, f"{self.module}:Base.metadata")

    def write_models(self, text: str) -> None:
        (self.source / f"{self.module}.py").write_text(text)
        self.monkeypatch.delitem(sys.modules, self.module, raising=False)  # env.py re-imports it

    def tables(self) -> set[str]:
        engine = create_engine(self.url)
        try:
            return set(inspect(engine).get_table_names())
        finally:
            engine.dispose()

    def columns(self, table: str) -> set[str]:
        engine = create_engine(self.url)
        try:
            return {c["name"] for c in inspect(engine).get_columns(table)}
        finally:
            engine.dispose()


@pytest.fixture()
def project(tmp_path, fresh_db_url, monkeypatch) -> Project:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # models are rewritten within a second
    return Project(tmp_path, fresh_db_url, monkeypatch)


def test_init_writes_a_two_line_env(project):
    env = (project.dir / "env.py").read_text()
    assert f"from {project.module} import Base" in env
    assert f'run_migrations(Base.metadata, "{SERVICE}")' in env
    assert (project.dir / "script.py.mako").exists()
    assert (project.dir / "versions").is_dir()
    with pytest.raises(FileExistsError):
        m.init_migrations(project.dir, SERVICE, f"{project.module}:Base.metadata")


def test_upgrade_downgrade_and_at_head(project):
    first = m.generate_revision(SERVICE, project.dir, "create courses", url=project.url)
    assert m.heads(project.dir) == (first,)
    assert m.current(SERVICE, project.dir, url=project.url) == ()
    with pytest.raises(PendingMigrationsError) as caught:
        m.check_at_head(SERVICE, project.dir, url=project.url)
    assert caught.value.status == 503

    m.upgrade(SERVICE, project.dir, url=project.url)
    assert m.current(SERVICE, project.dir, url=project.url) == (first,)
    assert m.check_at_head(SERVICE, project.dir, url=project.url) == (first,)
    assert "courses" in project.tables()

    m.downgrade(SERVICE, project.dir, "base", url=project.url)
    assert m.current(SERVICE, project.dir, url=project.url) == ()
    assert "courses" not in project.tables()


def test_generated_migration_is_portable(project):
    """Aurora's types render as plain SQLAlchemy and utcnow() stays a function call."""
    m.generate_revision(SERVICE, project.dir, "create courses", url=project.url)
    (script,) = (project.dir / "versions").glob("*.py")
    text = script.read_text()
    assert "aurora.db.utcnow()" in text
    assert "sa.DateTime(timezone=True)" in text
    assert "STRFTIME" not in text
    assert "_models" not in text


def test_model_changes_without_migration_are_detected(project):
    m.generate_revision(SERVICE, project.dir, "create courses", url=project.url)
    m.upgrade(SERVICE, project.dir, url=project.url)
    m.check_models(SERVICE, project.dir, url=project.url)  # nothing pending right after

    project.write_models(MODELS_V2)
    with pytest.raises(PendingModelChangesError) as caught:
        m.check_models(SERVICE, project.dir, url=project.url)
    assert any("add_column" in diff and "code" in diff for diff in caught.value.context["diffs"])

    second = m.generate_revision(SERVICE, project.dir, "add code", url=project.url)
    m.upgrade(SERVICE, project.dir, url=project.url)
    m.check_models(SERVICE, project.dir, url=project.url)
    assert "code" in project.columns("courses")
    assert m.check_at_head(SERVICE, project.dir, url=project.url) == (second,)

    m.downgrade(SERVICE, project.dir, "-1", url=project.url)
    assert "code" not in project.columns("courses")


async def test_migrations_health_check_and_startup_upgrade(project):
    m.generate_revision(SERVICE, project.dir, "create courses", url=project.url)
    check = m.migrations_health_check(SERVICE, project.dir, url=project.url)
    with pytest.raises(PendingMigrationsError):
        await check()
    await m.upgrade_at_startup(SERVICE, project.dir, url=project.url)()
    assert (await check())["revision"] == list(m.heads(project.dir))


def test_cli(project, capsys):
    base = ["migrate", SERVICE, "--dir", str(project.dir), "--url", project.url]
    assert main([*base, "revision", "-m", "create courses"]) == 0
    revision = capsys.readouterr().out.strip().splitlines()[-1]
    assert main([*base, "check"]) == 1
    assert "migrations head is" in capsys.readouterr().err
    assert main([*base, "upgrade"]) == 0
    assert capsys.readouterr().out.strip() == f"now at {revision}"
    assert main([*base, "current"]) == 0
    assert capsys.readouterr().out.strip() == revision
    assert main([*base, "heads"]) == 0
    assert capsys.readouterr().out.strip() == revision
    assert main([*base, "check"]) == 0
    assert main([*base, "check-models"]) == 0
    project.write_models(MODELS_V2)
    capsys.readouterr()
    assert main([*base, "check-models"]) == 1
    assert "add_column" in capsys.readouterr().err
    assert main([*base, "downgrade", "base"]) == 0
    assert capsys.readouterr().out.strip() == "now at base"
    assert main([*base, "current"]) == 0
    assert capsys.readouterr().out.strip() == "base"


def test_cli_reports_alembic_refusals(project, capsys):
    base = ["migrate", SERVICE, "--dir", str(project.dir), "--url", project.url]
    assert main([*base, "upgrade", "nonexistent"]) == 1
    assert "error:" in capsys.readouterr().err
