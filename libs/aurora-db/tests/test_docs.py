"""The README's example and the seed's database examples run as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from aurora.testing.isolation import postgres_schema
from aurora.testing.process import child_python_path

README = Path(__file__).resolve().parent.parent / "README.md"

SEED_EXAMPLE = """
from shared.database import get_db_session, BaseRepository

# Sync usage
with get_db_session("subject-service") as db:
    # Use database session
    pass

# Repository pattern
class SubjectRepository(BaseRepository):
    def __init__(self, session):
        super().__init__(session, Subject)
"""

# What the seed leaves implicit: a Subject model and a table to use it with.
SEED_PRELUDE = """
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
from aurora.db import Base, UUIDPrimaryKeyMixin, get_engine

class Subject(UUIDPrimaryKeyMixin, Base):
    __tablename__ = "subjects"
    name: Mapped[str] = mapped_column(String(100))
"""

SEED_USE = """
Base.metadata.create_all(get_engine("subject-service"))
with get_db_session("subject-service") as db:
    SubjectRepository(db).add(Subject(name="Math"))
with get_db_session("subject-service") as db:
    print(SubjectRepository(db).count(), db.get_bind().dialect.name)
"""


def _run(code: str, cwd: Path, **env: str) -> str:
    """Run ``code`` in a fresh interpreter: its own cwd, default registry and metadata.

    A cursor secret is set, as a deployment would: without one, development logs
    that its cursors are signed with a per-process key, and that line is not the example's.
    """
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("AURORA_DATABASE__")}
    secret = {"AURORA_DATABASE__CURSOR_SECRET": "docs-example"}
    environment = {**inherited, **secret, "PYTHONPATH": child_python_path(), **env}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_readme_example_prints_what_it_says(tmp_path):
    text = README.read_text()
    match = re.search(r"```python\n(.*?)```", text, re.DOTALL)
    assert match is not None
    code = match.group(1)
    expected = [
        line.split("  # ", 1)[1] for line in code.splitlines() if line.lstrip().startswith("print(")
    ]
    assert _run(code, tmp_path).splitlines() == expected


def test_seed_examples_run_on_the_default_sqlite_file(tmp_path):
    seed = SEED_EXAMPLE.replace("from shared.database import", "from aurora.db import")
    output = _run(textwrap.dedent(SEED_PRELUDE + seed + SEED_USE), tmp_path)
    assert output.split() == ["1", "sqlite"]
    (database,) = tmp_path.rglob("subject-service.db")  # <data_dir>/<service>.db
    assert database.relative_to(tmp_path).parts[0] == "data"


def test_seed_examples_run_on_postgres(tmp_path):
    seed = SEED_EXAMPLE.replace("from shared.database import", "from aurora.db import")
    code = textwrap.dedent(SEED_PRELUDE.replace('"subjects"', '"seed_subjects"') + seed + SEED_USE)
    with postgres_schema(prefix="aurora_db_seed") as schema:
        output = _run(code, tmp_path, AURORA_DATABASE__URL=schema.url)
    assert output.split() == ["1", "postgresql"]


@pytest.mark.parametrize("heading", ["# Filters, soft delete", "# Plugging into a service"])
def test_readme_block_prints_what_it_says(tmp_path, heading):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
    (code,) = (block for block in blocks if block.startswith(heading))
    expected = [
        line.split("  # ", 1)[1] for line in code.splitlines() if line.lstrip().startswith("print(")
    ]
    assert _run(code, tmp_path).splitlines() == expected
