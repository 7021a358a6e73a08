"""What goes wrong while loading configuration, told without leaking values.

The hierarchy::

    AuroraError (aurora.errors)
    └── ConfigError (500 config_invalid)

    UserWarning
    └── UnknownVariableWarning

Configuration fails at start-up, where the operator reading the message needs the
variable's name and where it was set, never its value: the value may be a secret
and start-up output ends up in log aggregators.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from aurora.config._keys import Key, variable_for_key
from aurora.errors import AuroraError

__all__ = ["ConfigError", "ConfigProblem", "UnknownVariableWarning", "validation_problems"]


@dataclass(frozen=True)
class ConfigProblem:
    """One bad setting: which variable, where it came from, and what is wrong.

    ``pointer`` is the JSON pointer into the config (``#/database/url``) so that tools
    can map a problem back to the model.
    """

    variable: str
    message: str
    origin: str | None = None
    pointer: str | None = None

    def __str__(self) -> str:
        where = f" ({self.origin})" if self.origin else ""
        return f"{self.variable}{where}: {self.message}"


class ConfigError(AuroraError):
    """The configuration cannot be loaded; the service must not start.

    ``str(error)`` is a multi-line report with one line per problem, each naming the
    variable (``AURORA_SERVICE__PORT``) and its source, and never the value.
    """

    code = "config_invalid"
    status = 500
    title = "Invalid Configuration"

    def __init__(self, summary: str, problems: Sequence[ConfigProblem] = ()) -> None:
        self.problems: tuple[ConfigProblem, ...] = tuple(problems)
        lines = [summary, *(f"  - {problem}" for problem in self.problems)]
        super().__init__(
            "\n".join(lines),
            errors=[_field_error(problem) for problem in self.problems],
        )


def _field_error(problem: ConfigProblem) -> dict[str, str]:
    error = {"detail": problem.message, "variable": problem.variable}
    if problem.pointer:
        error["pointer"] = problem.pointer
    if problem.origin:
        error["origin"] = problem.origin
    return error


class UnknownVariableWarning(UserWarning):
    """An ``AURORA_*`` variable looks like a setting but matches none (a typo?).

    Raised as an error instead when strict mode is on (``strict=True`` or
    ``AURORA_CONFIG_STRICT=1``).
    """


def validation_problems(
    exc: ValidationError,
    *,
    prefix: Key = (),
    origins: Mapping[Key, object] | None = None,
    secrets: Iterable[str] = (),
) -> list[ConfigProblem]:
    """Translate pydantic's errors into problems that name variables, never values.

    ``prefix`` is the section path when a section was validated alone; ``secrets``
    are raw secret values scrubbed from messages as a second line of defence.
    """
    origins = origins or {}
    secret_values = [value for value in secrets if value]
    problems = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        if error["type"] == "default_factory_not_called":
            continue  # a consequence of another error already reported
        message = error["msg"].removeprefix("Value error, ")
        key, message = _key_for_loc(prefix + tuple(error["loc"]), message)
        for value in secret_values:
            message = message.replace(value, "**********")
        origin = _origin_for(key, origins)
        problems.append(
            ConfigProblem(
                variable=variable_for_key(key),
                message=message,
                origin=str(origin) if origin else None,
                pointer="#/" + "/".join(key),
            )
        )
    return problems


def _key_for_loc(loc: tuple[Any, ...], message: str) -> tuple[Key, str]:
    parts: list[str] = []
    for position, part in enumerate(loc):
        if isinstance(part, int):  # an item of a list setting: name the variable
            message = f"item {part}: {message}"
            break
        if not (position == 1 and loc[0] == "services" and part == "endpoints"):
            parts.append(str(part))
    return tuple(parts), message


def _origin_for(key: Key, origins: Mapping[Key, object]) -> object | None:
    if key in origins:
        return origins[key]
    return next((origin for known, origin in origins.items() if known[: len(key)] == key), None)
