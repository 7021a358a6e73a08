"""A scratch monorepo on disk for the release tool's tests: git and lib writers."""

import subprocess
from pathlib import Path


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
