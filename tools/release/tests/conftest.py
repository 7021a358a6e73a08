"""A two-lib monorepo, released, for every test."""

from pathlib import Path

import pytest

from release_repo import git, write_lib


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A two-lib monorepo with both libs released as 1.0.0."""
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.email", "ci@example.org")
    git(tmp_path, "config", "user.name", "CI")
    write_lib(
        tmp_path,
        "aurora-errors",
        "1.0.0",
        '__all__ = ["boom"]\n\ndef boom(message, *, code=None):\n    pass\n',
    )
    write_lib(
        tmp_path,
        "aurora-db",
        "1.0.0",
        'from aurora.errors import boom\n\n__all__ = ["connect"]\n\ndef connect(url):\n    pass\n',
    )
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "initial")
    git(tmp_path, "tag", "aurora-errors/v1.0.0")
    git(tmp_path, "tag", "aurora-db/v1.0.0")
    return tmp_path
