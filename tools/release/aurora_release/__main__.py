"""``./pants run tools/release -- status|bump|baseline|check``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aurora_release.commands import bump_all, check, record, status
from aurora_release.repo import Repo


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="release", description="Per-lib versions and releases.")
    parser.add_argument(
        "--root", type=Path, default=Path.cwd(), help="monorepo root (default: cwd)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("status", help="each lib's version, last release and pending changes")
    bumper = commands.add_parser("bump", help="bump a lib's version and promote its changelog")
    bumper.add_argument("lib", nargs="?", help="e.g. aurora-db")
    bumper.add_argument("part", choices=["major", "minor", "patch"])
    bumper.add_argument(
        "--changed", action="store_true", help="bump every lib changed since its release"
    )
    commands.add_parser(
        "baseline", help="record the API of each never-released lib at its current version"
    )
    commands.add_parser(
        "check", help="fail on a change without a version bump, changelog entry or major bump"
    )
    return parser


def _print_status(repo: Repo) -> int:
    print(f"{'lib':<16} {'version':<9} {'released':<10} {'pending':<28} changelog")
    for row in status(repo):
        if row.released is None:
            pending = "never released"
        elif row.changed:
            pending = "code changed"
        elif row.changed_deps:
            pending = "deps changed: " + ",".join(row.changed_deps)
        elif row.unreleased_entries:
            pending = "unreleased entries"
        else:
            pending = "-"
        released = f"v{row.released}" if row.released else "-"
        entry = "yes" if row.changelog_entry else "MISSING"
        print(f"{row.name:<16} {row.version!s:<9} {released:<10} {pending:<28} {entry}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    repo = Repo(args.root.resolve())
    if args.command == "status":
        return _print_status(repo)
    if args.command == "bump":
        if args.changed == bool(args.lib):
            print("release: name one lib or pass --changed", file=sys.stderr)
            return 2
        names = (
            [r.name for r in status(repo) if r.released and r.needs_release]
            if args.changed
            else [args.lib]
        )
        if unknown := [n for n in names if n not in repo.libs]:
            print(
                f"release: unknown lib {unknown[0]!r}; known: {', '.join(repo.libs)}",
                file=sys.stderr,
            )
            return 2
        tags = bump_all(repo, names, args.part)
        print("tags to create after merging:")
        for tag in dict.fromkeys(tags):
            print(f"  git tag {tag}")
        return 0
    if args.command == "baseline":
        for line in record(repo) or ["nothing to record: every lib has a release"]:
            print(f"baseline: {line}")
        return 0
    problems = check(repo)
    for problem in problems:
        print(f"release check: {problem}", file=sys.stderr)
    if not problems:
        print(f"release check: {len(repo.libs)} libs ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
