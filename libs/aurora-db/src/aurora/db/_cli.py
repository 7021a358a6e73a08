"""``python -m aurora.db migrate <service> <command>``: migrations from a shell or a deploy job.

Exit status: 0 done, 1 a check failed (or the database failed), 2 bad usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from alembic.util import CommandError

from aurora.db import _migrate
from aurora.db._errors import DatabaseError

__all__ = ["main"]

MIGRATIONS_DIR_ENV = "AURORA_MIGRATIONS_DIR"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m aurora.db", description=__doc__)
    commands = parser.add_subparsers(dest="group", required=True)
    migrate = commands.add_parser("migrate", help="run Alembic migrations for a service")
    migrate.add_argument("service", help="service name, e.g. subject-service")
    migrate.add_argument(
        "--dir",
        default=os.environ.get(MIGRATIONS_DIR_ENV, "migrations"),
        help=f"migrations directory (default: ${MIGRATIONS_DIR_ENV} or ./migrations)",
    )
    migrate.add_argument("--url", help="database URL (default: the service's configuration)")
    actions = migrate.add_subparsers(dest="action", required=True)
    actions.add_parser("upgrade", help="upgrade to a revision").add_argument(
        "revision", nargs="?", default="head"
    )
    actions.add_parser("downgrade", help="downgrade to a revision").add_argument("revision")
    actions.add_parser("current", help="print the database's revision")
    actions.add_parser("heads", help="print the scripts' head revision")
    actions.add_parser("check", help="fail unless the database is at head")
    actions.add_parser("check-models", help="fail if models have changes no migration covers")
    revision = actions.add_parser("revision", help="write a new revision script")
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument("--empty", action="store_true", help="don't autogenerate from the models")
    init = actions.add_parser("init", help="create the migrations directory")
    init.add_argument("--metadata", required=True, help="e.g. subject_service.models:Base.metadata")
    return parser


def _run(args: argparse.Namespace) -> str:
    service, directory = args.service, args.dir
    config: dict[str, Any] = {"url": args.url} if args.url else {}

    def at() -> str:
        return " ".join(_migrate.current(service, directory, **config)) or "base"

    if args.action == "upgrade":
        _migrate.upgrade(service, directory, args.revision, **config)
        return f"now at {at()}"
    if args.action == "downgrade":
        _migrate.downgrade(service, directory, args.revision, **config)
        return f"now at {at()}"
    if args.action == "check":
        return "at head: " + " ".join(_migrate.check_at_head(service, directory, **config))
    if args.action == "check-models":
        _migrate.check_models(service, directory, **config)
        return "no pending model changes"
    if args.action == "revision":
        autogenerate = not args.empty
        return _migrate.generate_revision(
            service, directory, args.message, autogenerate=autogenerate, **config
        )
    if args.action == "init":
        return str(_migrate.init_migrations(directory, service, args.metadata))
    return at() if args.action == "current" else " ".join(_migrate.heads(directory))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        output = _run(args)
    except DatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        for diff in exc.context.get("diffs", []):
            print(f"  {diff}", file=sys.stderr)
        return 1
    except CommandError as exc:  # Alembic's own refusals: unknown revision, database not at head...
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if output:
        print(output)
    return 0
