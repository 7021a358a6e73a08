"""Driving the generator from tests: run its command line in-process and see what it did.

result = run_cli(repo, "user-service", "8005")
assert result.code == 0
before = tree_of(repo)
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

from aurora_generator.cli import main

__all__ = ["CliRun", "new_repo", "run_cli", "tree_of"]


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


def tree_of(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes, to prove what changed (or that nothing did)."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def new_repo(root: Path) -> Path:
    """An empty monorepo at ``root``: only the ``pants.toml`` the generator looks for."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pants.toml").write_text('[GLOBAL]\npants_version = "2.17.1"\n', encoding="utf-8")
    return root
