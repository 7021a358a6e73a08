"""copier at work: rendering a new service, and updating one in a scratch repository.

copier's ``update`` needs the service in a clean git work tree and writes into it in
place, file by file. The service is therefore updated in a scratch copy (its current
files, uncommitted edits included, committed there), and the generator reads the
result back: a dry run reports it and throws it away, a real run swaps it in whole,
so the service is never left half-updated and never refused for being dirty.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import copier
import yaml
from copier.errors import CopierError

from aurora_generator.answers import ANSWERS_FILE, load_yaml_mapping
from aurora_generator.refusal import RefusalError
from aurora_generator.template_repo import TemplateRepo, run_git

__all__ = ["CONFLICT_MARKERS", "Outcome", "render_service", "tree_of", "update_in_scratch"]

CONFLICT_MARKERS = ("<<<<<<< before updating", ">>>>>>> after updating")
"""The lines copier's inline merge leaves around a conflict."""

_COMMON: Mapping[str, Any] = {
    "defaults": True,  # never prompt: every answer comes from the command line or the file
    "unsafe": True,  # the template's migrations are this repo's own scripts
    "quiet": True,
    "settings": copier.Settings(),  # not the user's ~/.config/copier defaults
}


def render_service(repo: TemplateRepo, data: Mapping[str, Any], dest: Path, version: str) -> None:
    """Render the template at ``version`` into ``dest`` (copier's ``copy``)."""
    copier.run_copy(str(repo.path), dest, data=dict(data), vcs_ref=version, **_COMMON)


def tree_of(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (but ``.git``) with its bytes."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


@dataclasses.dataclass(frozen=True)
class Outcome:
    """An update done in a scratch copy: the files before and after."""

    scratch: Path
    before: dict[str, bytes]
    after: dict[str, bytes]

    @property
    def changed(self) -> dict[str, str]:
        """``{path: created|updated|deleted|conflict}`` for every file the update touched."""
        paths = sorted(self.before.keys() | self.after.keys())
        return {path: self._action(path) for path in paths if self._action(path)}

    def _action(self, path: str) -> str:
        old, new = self.before.get(path), self.after.get(path)
        if old == new:
            return ""
        if new is None:
            return "deleted"
        if any(marker.encode() in new for marker in CONFLICT_MARKERS):
            return "conflict"
        return "created" if old is None else "updated"

    @property
    def conflicts(self) -> tuple[str, ...]:
        return tuple(path for path, action in self.changed.items() if action == "conflict")


def _point_answers_at(scratch: Path, repo: TemplateRepo) -> dict[str, Any]:
    """copier renders the base from the answers' ``_src_path``: the rebuilt repository.

    Returns the recorded answers (``_commit`` included).
    """
    path = scratch / ANSWERS_FILE
    data = load_yaml_mapping(path)
    text = yaml.safe_dump({**data, "_src_path": str(repo.path)}, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return data


def _keep_deleted(repo: TemplateRepo, recorded: Mapping[str, Any], outcome: Outcome) -> None:
    """Files the service deleted stay deleted, even those copier renders only if missing.

    copier recreates a deleted ``_skip_if_exists`` file (the example resource); the
    service deleted it on purpose when the recorded version's render has it too.
    """
    created = outcome.after.keys() - outcome.before.keys()
    if not created:
        return
    base = outcome.scratch.parent / "base"
    answers = {key: value for key, value in recorded.items() if not key.startswith("_")}
    render_service(repo, answers, base, str(recorded["_commit"]))
    for path in created & tree_of(base).keys():
        (outcome.scratch / path).unlink()
        del outcome.after[path]


def update_in_scratch(
    repo: TemplateRepo,
    service_dir: Path,
    scratch: Path,
    *,
    data: Mapping[str, Any] | None = None,
    prepare: Callable[[Path], None] | None = None,
) -> Outcome:
    """Copy ``service_dir`` to ``scratch``, commit it and run copier's ``update`` there.

    ``prepare(scratch)`` may rewrite the copy first (adopting an old answers file);
    ``data`` replaces recorded answers (``--force``).

    Raises:
        RefusalError: copier could not update the service.
    """
    before = tree_of(service_dir)
    shutil.copytree(service_dir, scratch, symlinks=True)
    if prepare is not None:
        prepare(scratch)
    recorded = _point_answers_at(scratch, repo)
    run_git(scratch, "init", "--quiet")
    run_git(scratch, "add", "--all", "--force")
    run_git(scratch, "commit", "--quiet", "--no-verify", "-m", "service before the update")
    try:
        copier.run_update(
            scratch,
            data=dict(data or {}),
            vcs_ref=repo.current,
            overwrite=True,
            conflict="inline",
            **_COMMON,
        )
    except CopierError as exc:
        raise RefusalError(f"copier could not update {service_dir.name}: {exc}") from None
    outcome = Outcome(scratch, before, tree_of(scratch))
    _keep_deleted(repo, recorded, outcome)
    return outcome
