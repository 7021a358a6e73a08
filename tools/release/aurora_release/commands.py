"""What ``status``, ``bump`` and ``check`` do, as functions over a :class:`Repo`."""

from __future__ import annotations

from dataclasses import dataclass

from aurora_release.api import breaking_changes, public_api
from aurora_release.changelog import has_entry, promote_unreleased, unreleased_entries
from aurora_release.repo import Lib, Repo
from aurora_release.versions import Part, Version, write_version

__all__ = ["LibStatus", "bump", "check", "status"]


@dataclass(frozen=True)
class LibStatus:
    name: str
    version: Version
    released: Version | None
    changed: bool
    changed_deps: tuple[str, ...]
    changelog_entry: bool

    @property
    def needs_release(self) -> bool:
        return self.released is None or self.changed or bool(self.changed_deps)


def _dependents(repo: Repo) -> dict[str, set[str]]:
    dependents: dict[str, set[str]] = {name: set() for name in repo.libs}
    for lib in repo.libs.values():
        for dependency in lib.sibling_imports():
            dependents.setdefault(dependency, set()).add(lib.name)
    return dependents


def _own_change(repo: Repo, lib: Lib) -> bool:
    released = repo.last_release(lib)
    return released is None or repo.changed_since(lib, released)


def status(repo: Repo) -> list[LibStatus]:
    """Each lib's version, last release and whether it (or a lib it imports) changed since."""
    own = {name: _own_change(repo, lib) for name, lib in repo.libs.items()}
    rows = []
    for name, lib in repo.libs.items():
        released = repo.last_release(lib)
        changed_deps = tuple(
            sorted(dep for dep in lib.sibling_imports() if released is not None and own.get(dep))
        )
        rows.append(
            LibStatus(
                name=name,
                version=lib.version,
                released=released,
                changed=released is not None and own[name],
                changed_deps=changed_deps,
                changelog_entry=has_entry(lib.changelog.read_text(), str(lib.version)),
            )
        )
    return rows


def bump(repo: Repo, name: str, part: Part) -> list[str]:
    """Bump ``name`` and, when the new version leaves their ``~=`` pin, its dependents.

    Returns the tags to create once the change is merged.
    """
    lib = repo.libs[name]
    old = lib.version
    new = old.bump(part)
    _release(lib, new, note=None)
    tags = [lib.tag(new)]
    if not new.compatible_with(old):
        for dependent in sorted(_dependents(repo).get(name, ())):
            other = repo.libs[dependent]
            other_new = other.version.bump("patch")
            _release(other, other_new, note=f"Requires {name} ~={new}.")
            tags.append(other.tag(other_new))
    return tags


def _release(lib: Lib, version: Version, note: str | None) -> None:
    text = lib.changelog.read_text()
    if note is not None:
        text = text.replace("## [Unreleased]", f"## [Unreleased]\n\n### Changed\n- {note}", 1)
    elif not unreleased_entries(text):
        raise SystemExit(
            f"{lib.name}: add what changed under '## [Unreleased]' in {lib.changelog} first"
        )
    lib.changelog.write_text(promote_unreleased(text, str(version)))
    write_version(lib.build_file, version)


def check(repo: Repo) -> list[str]:
    """Every reason the repo is not releasable as it stands (empty when it is)."""
    problems = []
    for name, lib in repo.libs.items():
        version = lib.version
        changelog = lib.changelog.read_text() if lib.changelog.exists() else ""
        released = repo.last_release(lib)
        if released is None or version > released:
            if not has_entry(changelog, str(version)):
                problems.append(f"{name}: CHANGELOG.md has no entry for {version}")
        if released is None:
            continue
        if repo.changed_since(lib, released) and version <= released:
            problems.append(
                f"{name}: code changed since {lib.tag(released)} but the version is still {version}"
            )
        old_api = public_api(repo.files_at(lib.tag(released), lib.source_dir))
        new_api = public_api(
            {
                p.relative_to(lib.source_dir).as_posix(): p.read_text()
                for p in lib.source_dir.rglob("*.py")
            }
        )
        breaks = breaking_changes(old_api, new_api)
        if breaks and not _allows_breaking(released, version):
            problems.extend(
                f"{name}: breaking change without a major bump: {why}" for why in breaks
            )
    return problems


def _allows_breaking(released: Version, version: Version) -> bool:
    # Below 1.0 a minor bump may break, as Cargo and semver's 0.y.z rule allow.
    if released.major == 0:
        return (version.major, version.minor) > (released.major, released.minor)
    return version.major > released.major
