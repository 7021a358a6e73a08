"""``./pants run tools/generate-service -- <name> <port> [options]``: the command line.

Exit codes: 0 done; 1 refused (one line on stderr, nothing written); 2 bad usage;
3 an update left conflict markers to resolve.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from aurora_generator.answers import LIB_CHOICES, MAX_PORT, MIN_PORT, Answers
from aurora_generator.generator import find_root, generate, update
from aurora_generator.refusal import RefusalError

__all__ = ["EXIT_CONFLICTS", "EXIT_REFUSED", "EXIT_USAGE", "main"]

EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_CONFLICTS = 3

_PROG = "generate-service"
_EPILOG = f"""\
--with choices (the base is aurora-app, -config, -errors and -logging):
{chr(10).join(f"  {name:<7} {text}" for name, text in sorted(LIB_CHOICES.items()))}

examples:
  ./pants run tools/generate-service -- user-service 8005 --title "User Service"
  ./pants run tools/generate-service -- catalog-service 8010 --with db,http,events --dry-run
  ./pants run tools/generate-service -- update user-service --dry-run
"""


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line like every refusal (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _parser() -> _Parser:
    parser = _Parser(
        prog=_PROG,
        description="Generate an Aurora service that is green the moment it exists, or update one.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "name", nargs="?", help="kebab-case service name, e.g. user-service; or `update`"
    )
    parser.add_argument(
        "port", nargs="?", help=f"HTTP port, {MIN_PORT}-{MAX_PORT}, unused; after `update`: NAME"
    )
    parser.add_argument("--title", help="human title (default: from the name)")
    parser.add_argument("--description", help="one-line description")
    parser.add_argument(
        "--with",
        dest="with_libs",
        default="db",
        metavar="LIBS",
        help="comma-separated Aurora libs beyond the base: db, http, events (default: db; '' for none)",
    )
    parser.add_argument(
        "--resource",
        help="the example resource, a kebab-case singular noun (default: from the name)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would change; write nothing"
    )
    parser.add_argument(
        "--update",
        metavar="NAME",
        help="the same as `update NAME`",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="for an existing generated service: apply new answers through the update",
    )
    parser.add_argument(
        "--root", type=Path, help="monorepo root (default: the pants.toml above cwd)"
    )
    parser.add_argument(
        "--template-version",
        metavar="VERSION",
        help="generate at this earlier template version, from git (default: the current one)",
    )
    return parser


def _port(value: str | None) -> int:
    if value is None:
        raise _UsageError("the port is required: generate-service <name> <port>")
    try:
        return int(value, 10)
    except ValueError:
        raise RefusalError(f"port {value!r} is not a number") from None


def _update(root: Path, args: argparse.Namespace, out: TextIO) -> int:
    name = args.update or args.port
    if args.update and args.name or args.force or args.template_version or not name:
        raise _UsageError(
            "update takes only the service name: generate-service update NAME [--dry-run]"
        )
    outcome = update(root, name, dry_run=args.dry_run, out=out)
    if outcome.conflicts and not args.dry_run:
        raise _ConflictsError(outcome.conflicts)
    return 0


def _run(args: argparse.Namespace, out: TextIO) -> int:
    root = args.root.absolute() if args.root else find_root(Path.cwd())
    if args.update or args.name == "update":
        return _update(root, args, out)
    if not args.name:
        raise _UsageError("the service name is required: generate-service <name> <port>")
    answers = Answers.create(
        args.name,
        _port(args.port),
        title=args.title,
        description=args.description,
        with_libs=args.with_libs.split(","),
        resource=args.resource,
    )
    if args.force and (root / "services" / answers.name).exists():
        outcome = update(root, answers.name, answers=answers, dry_run=args.dry_run, out=out)
        if outcome.conflicts and not args.dry_run:
            raise _ConflictsError(outcome.conflicts)
        return 0
    return generate(root, answers, dry_run=args.dry_run, out=out, version=args.template_version)


class _ConflictsError(Exception):
    def __init__(self, paths: Sequence[str]) -> None:
        super().__init__(
            f"conflicts in {len(paths)} file(s): {', '.join(paths)}; "
            "resolve the <<<<<<< markers, then run the service's tests"
        )


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the generator; returns the exit code instead of exiting, so tests can call it."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    try:
        args = _parser().parse_args(argv)
        return _run(args, out)
    except _UsageError as exc:
        print(f"{_PROG}: usage error: {' '.join(str(exc).split())} (see --help)", file=err)
        return EXIT_USAGE
    except RefusalError as refusal:
        print(f"{_PROG}: refused: {refusal.reason}", file=err)
        return EXIT_REFUSED
    except _ConflictsError as conflicts:
        print(f"{_PROG}: {conflicts}", file=err)
        return EXIT_CONFLICTS
