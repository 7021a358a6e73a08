"""What ``status``, ``bump``, ``baseline`` and ``check`` do, as functions over a :class:`Repo`."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import griffe

from aurora_release.api import breaking_changes, load_api
from aurora_release.baseline import read_baseline, source_digest, write_baseline
from aurora_release.changelog import has_entry, promote_unreleased, unreleased_entries
from aurora_release.repo import Lib, Repo
from aurora_release.versions import Part, Version, write_version

__all__ = ["LibStatus", "Release", "bump", "bump_all", "check", "last_release", "record", "status"]


@dataclass(frozen=True)
class Release:
    """A lib's last release: from its committed baseline or a tag, whichever is newer."""

    version: Version
    changed: bool
    """Whether the shipped files differ from the release."""
    api: Callable[[], griffe.Module]


@dataclass(frozen=True)
class LibStatus:
    name: str
    version: Version
    released: Version | None
    changed: bool
    changed_deps: tuple[str, ...]
    changelog_entry: bool
    unreleased_entries: bool = False
    """``## [Unreleased]`` lists changes (already in the baseline, or not yet coded)."""

    @property
    def needs_release(self) -> bool:
        return (
            self.released is None
            or self.changed
            or bool(self.changed_deps)
            or self.unreleased_entries
        )


def last_release(repo: Repo, lib: Lib) -> Release | None:
    tagged = repo.last_release(lib)
    baseline = read_baseline(lib)
    if baseline is not None and (tagged is None or baseline.version >= tagged):
        return Release(baseline.version, source_digest(lib) != baseline.digest, baseline.load_api)
    if tagged is None:
        return None
    return Release(tagged, repo.changed_since(lib, tagged), lambda: _api_at(repo, lib, tagged))


def _api_at(repo: Repo, lib: Lib, version: Version) -> griffe.Module:
    with tempfile.TemporaryDirectory() as tmp:
        package_dir = Path(tmp) / "aurora" / lib.package
        for relative, source in repo.files_at(lib.tag(version), lib.source_dir).items():
            (package_dir / relative).parent.mkdir(parents=True, exist_ok=True)
            (package_dir / relative).write_text(source)
        return load_api(Path(tmp), lib.package)


def _current_api(lib: Lib) -> griffe.Module:
    return load_api(lib.source_dir.parent.parent, lib.package)


def _dependents(repo: Repo) -> dict[str, set[str]]:
    dependents: dict[str, set[str]] = {name: set() for name in repo.libs}
    for lib in repo.libs.values():
        for dependency in lib.sibling_imports():
            dependents.setdefault(dependency, set()).add(lib.name)
    return dependents


def status(repo: Repo) -> list[LibStatus]:
    """Each lib's version, last release and whether it (or a lib it imports) changed since."""
    releases = {name: last_release(repo, lib) for name, lib in repo.libs.items()}
    rows = []
    for name, lib in repo.libs.items():
        release = releases[name]
        changed_deps = tuple(
            sorted(
                dep
                for dep in lib.sibling_imports()
                if release is not None and (other := releases.get(dep)) and other.changed
            )
        )
        rows.append(
            LibStatus(
                name=name,
                version=lib.version,
                released=release.version if release else None,
                changed=release is not None and release.changed,
                changed_deps=changed_deps,
                changelog_entry=has_entry(lib.changelog.read_text(), str(lib.version)),
                unreleased_entries=unreleased_entries(lib.changelog.read_text()),
            )
        )
    return rows


def bump(repo: Repo, name: str, part: Part, *, done: set[str] | None = None) -> list[str]:
    """Bump ``name`` and, when the new version leaves their ``~=`` pin, its dependents.

    Refuses a bump too small for the API change. Libs in ``done`` (bumped earlier in
    the same run) are not bumped again. Returns the tags to create once merged.
    """
    done = set() if done is None else done
    lib = repo.libs[name]
    old = lib.version
    new = old.bump(part)
    release = last_release(repo, lib)
    if release is not None and not _allows_breaking(release.version, new):
        if breaks := breaking_changes(release.api(), _current_api(lib)):
            raise SystemExit(
                f"{name}: a {part} bump to {new} cannot carry breaking changes "
                f"({'; '.join(breaks)}): bump major"
            )
    _release(lib, new, note=None)
    done.add(name)
    tags = [lib.tag(new)]
    if not new.compatible_with(old):
        for dependent in sorted(_dependents(repo).get(name, set()) - done):
            other = repo.libs[dependent]
            if last_release(repo, other) is None:
                continue  # never released: its first release carries the new pin
            other_new = other.version.bump("patch")
            _release(other, other_new, note=f"Requires {name} ~={new}.")
            done.add(dependent)
            tags.append(other.tag(other_new))
    return tags


def bump_all(repo: Repo, names: Iterable[str], part: Part) -> list[str]:
    """Bump several libs, lowest layer first, each lib at most once.

    Every named lib gets the requested bump for its own changes; only dependents that
    were not named get the patch bump for a new pin, so a lib that changed and depends
    on a bumped lib is bumped once, by ``part``.
    """
    order = _layer_order(repo)
    named = sorted(set(names), key=order.index)
    done = set(named)
    tags: list[str] = []
    for name in named:
        tags += bump(repo, name, part, done=done)
    return tags


def _layer_order(repo: Repo) -> list[str]:
    """Libs sorted so that each comes after every lib it imports."""
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in order or name in path or name not in repo.libs:
            return
        for dependency in sorted(repo.libs[name].sibling_imports()):
            visit(dependency, (*path, name))
        order.append(name)

    for name in repo.libs:
        visit(name, ())
    return order


def record(repo: Repo) -> list[str]:
    """Record a baseline for each lib never released, as released at its current version."""
    recorded = []
    for name, lib in repo.libs.items():
        if last_release(repo, lib) is None:
            write_baseline(lib, lib.version)
            recorded.append(f"{name} {lib.version}")
    return recorded


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
    write_baseline(lib, version)


def check(repo: Repo) -> list[str]:
    """Every reason the repo is not releasable as it stands (empty when it is)."""
    problems = []
    for name, lib in repo.libs.items():
        version = lib.version
        changelog = lib.changelog.read_text() if lib.changelog.exists() else ""
        release = last_release(repo, lib)
        if release is None or version > release.version:
            if not has_entry(changelog, str(version)):
                problems.append(f"{name}: CHANGELOG.md has no entry for {version}")
        if release is None:
            continue
        if release.changed and version <= release.version:
            problems.append(
                f"{name}: code changed since its {release.version} release "
                f"but the version is still {version}"
            )
        breaks = breaking_changes(release.api(), _current_api(lib))
        if breaks and not _allows_breaking(release.version, version):
            problems.extend(
                f"{name}: breaking change without a major bump: {why}" for why in breaks
            )
    return problems


def _allows_breaking(released: Version, version: Version) -> bool:
    # Below 1.0 a minor bump may break, as Cargo and semver's 0.y.z rule allow.
    if released.major == 0:
        return (version.major, version.minor) > (released.major, released.minor)
    return version.major > released.major
