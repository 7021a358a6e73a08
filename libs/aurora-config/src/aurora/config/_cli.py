"""``python -m aurora.config``: inspect a service's configuration from a shell.

``show <service>`` prints every effective setting with its source, secrets redacted;
``env-example <service>`` writes the ``.env.example`` generated from the model. Both
compose the installed libs' sections; ``--config subject_service.settings:Config``
names the service's own config class (its sections, and the libs it imports).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from aurora.config._describe import generate_env_example, render_config
from aurora.config._errors import ConfigError
from aurora.config._service import ServiceConfig

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m aurora.config", description="Inspect an Aurora service's configuration."
    )
    parser.add_argument(
        "--config",
        type=_config_class,
        default=ServiceConfig,
        metavar="MODULE:CLASS",
        help="the service's ServiceConfig subclass (default: ServiceConfig)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser("show", help="print the effective configuration and its sources")
    show.add_argument("service", help="service name, e.g. subject-service")
    show.add_argument("--env-file", type=Path, help="the .env file (default: ./.env)")
    show.add_argument("--secrets-dir", type=Path, help="the secrets directory")
    show.add_argument("--services-registry", type=Path, help="the services.yml registry")
    show.add_argument(
        "--strict", action="store_true", default=None, help="fail on unknown variables"
    )
    example = commands.add_parser(
        "env-example", help="print a .env.example generated from the model"
    )
    example.add_argument("service", help="service name, e.g. subject-service")
    example.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION__FIELD=VALUE",
        help="write this value as an active line, e.g. service__port=8005 (repeatable)",
    )
    example.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    return parser


def _config_class(reference: str) -> type[ServiceConfig]:
    module, _, name = reference.partition(":")
    try:
        found = getattr(importlib.import_module(module), name or "Config")
    except (ImportError, AttributeError) as exc:
        raise argparse.ArgumentTypeError(f"cannot import {reference}: {exc}") from exc
    if not (isinstance(found, type) and issubclass(found, ServiceConfig)):
        raise argparse.ArgumentTypeError(f"{reference} is not a ServiceConfig subclass")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (1 on a configuration error)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "show":
            config = args.config.load(
                args.service,
                env_file=args.env_file,
                secrets_dir=args.secrets_dir,
                services_registry=args.services_registry,
                strict=args.strict,
            )
            print(render_config(config))
            return 0
        overrides = dict(item.partition("=")[::2] for item in args.set)
        text = generate_env_example(args.service, config_class=args.config, **overrides)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.output is None:
        print(text, end="")
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0
