"""The monorepo as the release tool sees it: libs, their tags and what changed since."""

from __future__ import annotations

import ast
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from aurora_release.versions import Version, read_version

__all__ = ["Lib", "Repo"]


@dataclass(frozen=True)
class Lib:
    """One ``libs/aurora-<x>`` distribution."""

    name: str
    path: Path

    @property
    def package(self) -> str:
        return self.name.removeprefix("aurora-").replace("-", "_")

    @property
    def build_file(self) -> Path:
        return self.path / "BUILD"

    @property
    def changelog(self) -> Path:
        return self.path / "CHANGELOG.md"

    @property
    def source_dir(self) -> Path:
        return self.path / "src" / "aurora" / self.package

    @property
    def version(self) -> Version:
        return read_version(self.build_file)

    def tag(self, version: Version) -> str:
        return f"{self.name}/v{version}"

    def sibling_imports(self) -> set[str]:
        """Names of the other libs this lib's shipped code imports."""
        found: set[str] = set()
        for module in self.source_dir.rglob("*.py"):
            for node in ast.walk(ast.parse(module.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    parts = name.split(".")
                    if parts[0] == "aurora" and len(parts) > 1 and parts[1] != self.package:
                        found.add("aurora-" + parts[1].replace("_", "-"))
        return found


class Repo:
    """Git and file access rooted at the monorepo's top."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=self.root, check=True, capture_output=True, text=True
        ).stdout

    @cached_property
    def libs(self) -> dict[str, Lib]:
        return {
            path.name: Lib(path.name, path)
            for path in sorted((self.root / "libs").glob("aurora-*"))
            if (path / "BUILD").is_file()
        }

    def last_release(self, lib: Lib) -> Version | None:
        """The highest version tagged ``<lib>/vX.Y.Z``, if the lib was ever released."""
        versions = []
        for tag in self.git("tag", "--list", f"{lib.name}/v*").split():
            try:
                versions.append(Version.parse(tag.rsplit("/v", 1)[1]))
            except ValueError:
                continue
        return max(versions, default=None)

    def changed_since(self, lib: Lib, version: Version) -> bool:
        """Whether the lib's shipped code differs from its release ``version``."""
        relative = lib.source_dir.relative_to(self.root).as_posix()
        diff = self.git("diff", "--name-only", lib.tag(version), "--", relative)
        return bool(diff.strip())

    def file_at(self, ref: str, path: Path) -> str | None:
        relative = path.relative_to(self.root).as_posix()
        try:
            return self.git("show", f"{ref}:{relative}")
        except subprocess.CalledProcessError:
            return None

    def files_at(self, ref: str, directory: Path) -> dict[str, str]:
        """Python files below ``directory`` as they were at ``ref``, keyed by relative path."""
        relative = directory.relative_to(self.root).as_posix()
        try:
            listing = self.git("ls-tree", "-r", "--name-only", ref, "--", relative)
        except subprocess.CalledProcessError:
            return {}
        return {
            name.removeprefix(relative + "/"): self.git("show", f"{ref}:{name}")
            for name in listing.split()
            if name.endswith(".py")
        }
