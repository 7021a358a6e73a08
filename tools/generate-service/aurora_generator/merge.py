"""Three-way merges of a template change into files people have edited.

The base is the pristine render the service was last generated or updated with
(kept in ``.aurora-template/``), "ours" is the file as it is now, "theirs" is the
new render. ``git merge-file`` does the merge, so the conflict markers are the ones
every editor and ``git mergetool`` already understand.
"""

from __future__ import annotations

import dataclasses
import enum
import shutil
import subprocess
import tempfile
from pathlib import Path

from aurora_generator.refusal import RefusalError

__all__ = ["Action", "FileUpdate", "merge_text", "plan_file"]


class Action(enum.StrEnum):
    """What an update does to one file."""

    CREATE = "create"
    UPDATE = "update"
    MERGE = "merge"
    CONFLICT = "conflict"
    DELETE = "delete"
    KEEP = "keep"


@dataclasses.dataclass(frozen=True)
class FileUpdate:
    """The decision for one path: the action, the text to write (``None`` deletes), why."""

    path: str
    action: Action
    text: str | None
    note: str = ""

    @property
    def writes(self) -> bool:
        return self.action is not Action.KEEP


def merge_text(ours: str, base: str, theirs: str, *, path: str) -> tuple[str, int]:
    """Merge ``base -> theirs`` into ``ours``: the merged text and the number of conflicts.

    Raises:
        RefusalError: git is not installed or the merge itself failed.
    """
    git = shutil.which("git")
    if git is None:
        raise RefusalError("--update needs git on PATH (it merges with `git merge-file`)")
    with tempfile.TemporaryDirectory(prefix="aurora-merge-") as temp:
        files = []
        for label, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            file = Path(temp) / label
            file.write_text(text, encoding="utf-8", newline="\n")
            files.append(str(file))
        labels = [f"{path} (yours)", f"{path} (template, before)", f"{path} (template, now)"]
        result = subprocess.run(
            [git, "merge-file", "-p", *(arg for label in labels for arg in ("-L", label)), *files],
            capture_output=True,
            check=False,
        )
    if result.returncode < 0 or result.returncode > 127:
        raise RefusalError(f"git merge-file failed on {path}: {result.stderr.decode().strip()}")
    return result.stdout.decode("utf-8"), result.returncode


def plan_file(path: str, *, ours: str | None, base: str | None, theirs: str | None) -> FileUpdate:
    """Decide what updating one file means, copier-style, never dropping a local edit.

    ``None`` means absent: not on disk (``ours``), not rendered last time (``base``),
    not rendered any more (``theirs``).
    """
    if theirs == base:
        return FileUpdate(path, Action.KEEP, ours, "template unchanged")
    if theirs is None:
        if ours is None:
            return FileUpdate(path, Action.KEEP, None, "already gone")
        if ours == base:
            return FileUpdate(path, Action.DELETE, None, "no longer in the template")
        return FileUpdate(path, Action.KEEP, ours, "dropped by the template but edited: kept")
    if ours is None:
        if base is None:
            return FileUpdate(path, Action.CREATE, theirs, "new in the template")
        return FileUpdate(path, Action.KEEP, None, "deleted locally: left deleted")
    if ours == theirs:
        return FileUpdate(path, Action.KEEP, ours, "already up to date")
    if ours == base:
        return FileUpdate(path, Action.UPDATE, theirs, "unedited: replaced")
    merged, conflicts = merge_text(ours, base or "", theirs, path=path)
    if conflicts:
        return FileUpdate(path, Action.CONFLICT, merged, f"{conflicts} conflict(s) marked in file")
    return FileUpdate(path, Action.MERGE, merged, "edited: template change merged in")
