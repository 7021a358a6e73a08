"""Driving the generator from tests: scratch monorepos, its command line in-process.

root = new_repo(tmp_path / "repo")        # a git repo holding the bundled template
result = run_cli(root, "user-service", "8005")
assert result.code == 0
before = tree_of(root)
"""

from __future__ import annotations

import dataclasses
import io
import shutil
from importlib.resources import as_file, files
from pathlib import Path

from aurora_generator.cli import main
from aurora_generator.jinja_ext import TEMPLATE_PATH
from aurora_generator.rendering import tree_of
from aurora_generator.template_repo import run_git

__all__ = [
    "CliRun",
    "commit_all",
    "new_repo",
    "release_template",
    "run_cli",
    "template_dir",
    "tree_of",
]


@dataclasses.dataclass(frozen=True)
class CliRun:
    """What one invocation did: its exit code and everything it printed."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        """Standard error, line by line (a refusal is exactly one)."""
        return self.err.splitlines()


def run_cli(root: Path, *args: str) -> CliRun:
    """Run ``generate-service --root ROOT ARGS...`` in this process and capture its output."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["--root", str(root), *args], out=out, err=err)
    return CliRun(code, out.getvalue(), err.getvalue())


def commit_all(root: Path, message: str) -> None:
    """Commit everything in ``root``'s work tree (a template version, a service)."""
    run_git(root, "add", "--all")
    run_git(root, "commit", "--quiet", "--allow-empty", "-m", message)


def new_repo(root: Path) -> Path:
    """A monorepo at ``root`` in git: ``pants.toml`` and the bundled template, committed."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pants.toml").write_text('[GLOBAL]\npants_version = "2.17.1"\n', encoding="utf-8")
    with as_file(files("aurora_generator") / "templates" / "service") as bundled:
        shutil.copytree(bundled, root / TEMPLATE_PATH, ignore=shutil.ignore_patterns("__pycache__"))
    run_git(root, "init", "--quiet", "--initial-branch=main")
    commit_all(root, "the monorepo, with the service template")
    return root


def template_dir(root: Path) -> Path:
    """The service template inside the monorepo at ``root``."""
    return root / TEMPLATE_PATH


def release_template(root: Path, version: str) -> None:
    """Commit the template as edited in ``root``'s work tree, as template ``version``."""
    (template_dir(root) / "VERSION").write_text(f"{version}\n", encoding="utf-8")
    commit_all(root, f"service template {version}")
