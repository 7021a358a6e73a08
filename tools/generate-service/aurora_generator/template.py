"""The service template: a tree of Jinja files rendered into a service, in memory.

Rendering never touches the disk: it returns ``{relative path: text}``, which the
writer stages atomically, ``--dry-run`` prints, and ``--update`` merges. The tree
lives in ``templates/service/`` as package data, so the PEX carries it.

File-name rules, so template files can't be mistaken for real ones by Pants or
tools: ``.jinja`` is stripped, ``__pkg__`` becomes the service's package, a leading
``dot-`` becomes ``.``, and ``_BUILD`` becomes ``BUILD``. A file that renders to
nothing but whitespace is not part of the service (how ``--with`` leaves files out);
``_macros*`` files are only included by others.

Rendered Python (and BUILD files) goes through black with the repo's settings, so
a generated service passes ``pants lint`` whatever the length of its names.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Iterator
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import black
import jinja2
from black.mode import TargetVersion
from pydantic import Field

from aurora.config import ServiceConfig, generate_env_example

from aurora_generator.answers import Answers

__all__ = ["TEMPLATE_VERSION", "Template"]

TEMPLATE_VERSION = "1.2.0"
"""Bump when the rendered output changes, so answers files say which template made them."""

_ROOT = ("templates", "service")
_SUFFIX = ".jinja"


def _walk(node: Traversable, prefix: str = "") -> Iterator[tuple[str, str]]:
    for child in sorted(node.iterdir(), key=lambda entry: entry.name):
        path = f"{prefix}{child.name}"
        if child.is_dir():
            yield from _walk(child, f"{path}/")
        elif child.name.endswith(_SUFFIX):
            yield path, child.read_text(encoding="utf-8")


def _output_path(template_path: str, package: str) -> str:
    parts = []
    for part in template_path.removesuffix(_SUFFIX).split("/"):
        part = part.replace("__pkg__", package)
        if part == "_BUILD":
            part = "BUILD"
        elif part.startswith("dot-"):
            part = "." + part.removeprefix("dot-")
        parts.append(part)
    return "/".join(parts)


def _python_string(value: str) -> str:
    """A double-quoted Python literal (black's quote style) for any one-line text."""
    return json.dumps(value, ensure_ascii=False)


@functools.lru_cache(maxsize=4)
def _environment(sources: tuple[tuple[str, str], ...]) -> jinja2.Environment:
    # Cached per template tree: compiling every template again for each render (tests
    # render dozens of services) would cost more than the rendering itself.
    env = jinja2.Environment(  # noqa: S701 - renders source code and YAML, never HTML
        loader=jinja2.DictLoader(dict(sources)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["py_str"] = _python_string
    env.filters["yaml_str"] = _python_string  # a JSON string is a YAML double-quoted scalar
    return env


_BLACK_MODE = black.Mode(target_versions={TargetVersion.PY311}, line_length=100)
"""The repo's black settings (pyproject.toml's ``[tool.black]``)."""


def _formatted(path: str, text: str) -> str:
    if path.endswith(".py") or path.rsplit("/", 1)[-1] == "BUILD":
        return _black(text)
    return text


@functools.lru_cache(maxsize=1024)
def _black(text: str) -> str:
    return black.format_str(text, mode=_BLACK_MODE)


def _env_example(answers: Answers) -> str:
    """The ``.env.example`` aurora-config writes from its model, so it can't drift from it."""
    config_class = _with_events_section() if "events" in answers.with_libs else ServiceConfig
    return generate_env_example(answers.name, config_class=config_class, service__port=answers.port)


def _with_events_section() -> type[ServiceConfig]:
    """A service config that also holds aurora-events' ``AURORA_EVENTS__*`` section."""
    # Imported only for services that use events: the generator stays light otherwise.
    from aurora.events import EventsSettings

    class EventsServiceConfig(ServiceConfig):
        events: EventsSettings = Field(default_factory=lambda: EventsSettings.model_validate({}))

    return EventsServiceConfig


@dataclasses.dataclass(frozen=True)
class Template:
    """A service template: its file tree and the version answers files record."""

    root: Traversable
    version: str

    @classmethod
    def bundled(cls) -> Template:
        """The template shipped in this package (and in the generator's PEX)."""
        root = files("aurora_generator")
        for part in _ROOT:
            root = root.joinpath(part)
        return cls(root, TEMPLATE_VERSION)

    @classmethod
    def from_directory(cls, path: Path) -> Template:
        """A template tree on disk, for developing the template (``--template-dir``)."""
        return cls(path, f"{TEMPLATE_VERSION}+local")

    def render(self, answers: Answers) -> dict[str, str]:
        """Render the whole service: relative path -> file text, sorted by path."""
        sources = dict(_walk(self.root))
        env = _environment(tuple(sorted(sources.items())))
        context = {
            **answers.context(),
            "template_version": self.version,
            "env_example": _env_example(answers),
        }
        rendered: dict[str, str] = {}
        for template_path in sources:
            if template_path.rsplit("/", 1)[-1].startswith("_macros"):
                continue
            text = env.get_template(template_path).render(context)
            if text.strip():
                path = _output_path(template_path, answers.package)
                rendered[path] = _formatted(path, text.lstrip("\n"))
        return dict(sorted(rendered.items()))
