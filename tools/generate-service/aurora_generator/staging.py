"""Writing to the repo all at once or not at all.

A service is written into a hidden staging directory next to its final place and
renamed into ``services/`` in one step, so an interrupted run never leaves half a
service behind; single files are replaced the same way (temp file, ``os.replace``).
Staging names start with a dot because Pants ignores dot-directories, so even a
crash's leftovers can't break a build.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

__all__ = ["replace_file", "staged_directory", "write_tree"]


def write_tree(root: Path, tree: Mapping[str, str | None]) -> None:
    """Write ``{relative path: text}`` under ``root``; ``None`` deletes the file."""
    for relative, text in tree.items():
        path = root / relative
        if text is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")


def replace_file(path: Path, text: str) -> None:
    """Replace ``path``'s content atomically (readers see the old or the new file, whole)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        if path.exists():
            shutil.copymode(path, temp)
        else:
            os.chmod(temp, 0o644)  # a tracked text file, readable like its siblings
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


@contextlib.contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """Yield an empty staging directory that replaces ``target`` when the block succeeds.

    On any error the stage is removed and ``target`` is left exactly as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    stage.chmod(0o755)  # mkdtemp's 0700 would otherwise become the service directory's mode
    try:
        yield stage
        _swap_in(stage, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _swap_in(stage: Path, target: Path) -> None:
    if not target.exists():
        os.rename(stage, target)
        return
    previous = Path(tempfile.mkdtemp(prefix=f".{target.name}.previous-", dir=target.parent))
    previous.rmdir()
    os.rename(target, previous)
    try:
        os.rename(stage, target)
    except BaseException:
        os.rename(previous, target)
        raise
    shutil.rmtree(previous, ignore_errors=True)
