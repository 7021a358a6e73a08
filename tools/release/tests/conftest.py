import subprocess
from pathlib import Path

import pytest


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def write_lib(root: Path, name: str, version: str, source: str, unreleased: str = "") -> None:
    package = name.removeprefix("aurora-")
    lib = root / "libs" / name
    (lib / "src" / "aurora" / package).mkdir(parents=True, exist_ok=True)
    (lib / "BUILD").write_text(
        f'aurora_lib(\n    version="{version}",\n    description="{name}",\n)\n'
    )
    (lib / "src" / "aurora" / package / "__init__.py").write_text(source)
    entries = f"\n### Added\n- {unreleased}\n" if unreleased else ""
    (lib / "CHANGELOG.md").write_text(
        f"# Changelog\n\n## [Unreleased]\n{entries}\n## [{version}] - 2026-01-01\n\n### Added\n- First.\n"
    )


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
