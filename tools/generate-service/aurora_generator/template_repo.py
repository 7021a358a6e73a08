"""The template as copier needs it: a git repository whose tags are the template's versions.

The template lives in a subdirectory of the monorepo, whose tags belong to the
libraries, so copier can't read it in place. :func:`build_template_repo` rebuilds it
from the monorepo's own history instead: for each version named by the template's
``VERSION`` file, the template directory as it was in the last commit at that version
becomes one commit, tagged with the version; uncommitted template edits come last,
under the working tree's version. That is what copier's ``update`` checks out to
render the merge base, so the base is always the template at the recorded version,
never a copy kept in the service.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from aurora_generator.jinja_ext import TEMPLATE_PATH
from aurora_generator.refusal import RefusalError

__all__ = ["VERSION_FILE", "TemplateRepo", "build_template_repo", "run_git"]

VERSION_FILE = "VERSION"
_IDENTITY = ("-c", "user.name=Aurora template", "-c", "user.email=template@aurora.invalid")


def run_git(cwd: Path, *args: str, stdin: bytes | None = None) -> bytes:
    """``git ARGS`` in ``cwd``; its standard output.

    Raises:
        RefusalError: git is missing or the command failed.
    """
    git = shutil.which("git")
    if git is None:
        raise RefusalError("the generator needs git on PATH (template versions come from git)")
    result = subprocess.run(
        [git, "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", *_IDENTITY, *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        check=False,
    )
    if result.returncode:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise RefusalError(f"git {args[0]} failed in {cwd}: {message[-1] if message else ''}")
    return result.stdout


class TemplateRepo:
    """A rebuilt template repository: where it is, and its versions in order."""

    def __init__(self, path: Path, versions: Sequence[str]) -> None:
        self.path = path
        self.versions = tuple(versions)

    @property
    def current(self) -> str:
        """The newest version: the template in the working tree."""
        return self.versions[-1]

    def add_version(self, version: str, files: Path) -> None:
        """Commit ``files`` as an extra version on a branch of its own (legacy bases)."""
        run_git(self.path, "checkout", "--quiet", "--orphan", f"legacy-{version}")
        _replace_worktree(self.path, files)
        _commit_and_tag(self.path, version)
        self.versions = (version, *self.versions)


def _versions_in_history(root: Path) -> Iterator[tuple[str, str]]:
    """``(version, commit)`` for each template version: its last commit, oldest first."""
    log = run_git(root, "log", "--format=%H", "--reverse", "--", TEMPLATE_PATH).decode()
    last: dict[str, str] = {}
    for commit in log.split():
        try:
            text = run_git(root, "show", f"{commit}:{TEMPLATE_PATH}/{VERSION_FILE}")
        except RefusalError:
            continue  # before the template was versioned for copier
        version = text.decode().strip()
        last.pop(version, None)  # keep insertion order = order of each version's last commit
        last[version] = commit
    yield from last.items()


def _replace_worktree(repo: Path, source: Path) -> None:
    for child in repo.iterdir():
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    shutil.copytree(
        source, repo, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )


def _extract(root: Path, commit: str, into: Path) -> None:
    archive = run_git(root, "archive", "--format=tar", f"{commit}:{TEMPLATE_PATH}")
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


def _commit_and_tag(repo: Path, version: str) -> None:
    run_git(repo, "add", "--all")
    run_git(repo, "commit", "--quiet", "--allow-empty", "-m", f"template {version}")
    run_git(repo, "tag", "--force", version)


def build_template_repo(root: Path, into: Path) -> TemplateRepo:
    """Rebuild the template's repository under ``into`` from ``root``'s git history.

    Raises:
        RefusalError: ``root`` is not a git checkout, or has no versioned template.
    """
    template = root / TEMPLATE_PATH
    if not (template / VERSION_FILE).is_file():
        raise RefusalError(f"no service template at {TEMPLATE_PATH} in {root}")
    try:
        run_git(root, "rev-parse", "--git-dir")
    except RefusalError:
        raise RefusalError(
            f"{root} is not a git checkout: the template's versions come from its history"
        ) from None
    repo = into / "template"
    repo.mkdir(parents=True)
    run_git(repo, "init", "--quiet", "--initial-branch=main")
    versions = []
    scratch = into / "extract"
    for version, commit in _versions_in_history(root):
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir()
        _extract(root, commit, scratch)
        _replace_worktree(repo, scratch)
        _commit_and_tag(repo, version)
        versions.append(version)
    shutil.rmtree(scratch, ignore_errors=True)
    current = (template / VERSION_FILE).read_text(encoding="utf-8").strip()
    _replace_worktree(repo, template)
    if run_git(repo, "status", "--porcelain") or current not in versions:
        _commit_and_tag(repo, current)  # uncommitted template work, under its own version
        versions = [version for version in versions if version != current] + [current]
    return TemplateRepo(repo, versions)
