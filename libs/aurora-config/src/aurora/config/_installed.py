"""Which settings sections the installed libraries contribute to every service config.

A lib owns its section (aurora-db's ``DatabaseSettings``...) and makes it known in
two ways, so that ``get_config(name)`` composes whatever the process has:

- its wheel declares an ``aurora.config.sections`` entry point, found even before
  the lib is imported (``get_config("svc").database`` in a fresh script);
- the module defining the section calls :func:`register_section`, which is what
  works where libs are sources rather than installed wheels (a monorepo's tests).

Both name the same class; an entry point that fails to import is skipped with a
warning rather than stopping every service that has the wheel installed.
"""

from __future__ import annotations

import functools
import threading
import warnings
from importlib.metadata import entry_points
from typing import TypeVar

from aurora.config._sections import AuroraSettings

__all__ = ["ENTRY_POINT_GROUP", "installed_sections", "register_section"]

ENTRY_POINT_GROUP = "aurora.config.sections"
"""The entry-point group a lib's wheel lists its sections under (``database = aurora.db:DatabaseSettings``)."""

SectionT = TypeVar("SectionT", bound=type[AuroraSettings])

_registered: dict[str, type[AuroraSettings]] = {}
_lock = threading.Lock()


def register_section(section: SectionT) -> SectionT:
    """Add ``section`` to every composed config, under its ``section_name()``.

    Usable as a class decorator; registering a section again replaces it (a reload).
    """
    with _lock:
        _registered[section.section_name()] = section
    return section


def installed_sections() -> dict[str, type[AuroraSettings]]:
    """Every section the installed libraries contribute, by name, sorted by name."""
    found = dict(_entry_point_sections())
    with _lock:
        found.update(_registered)
    return dict(sorted(found.items()))


@functools.cache
def _entry_point_sections() -> tuple[tuple[str, type[AuroraSettings]], ...]:
    sections = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            section = entry.load()
        except ImportError as exc:
            warnings.warn(
                f"settings section {entry.name!r} ({entry.value}) cannot be imported: {exc}",
                RuntimeWarning,
                stacklevel=2,
            )
            continue
        if isinstance(section, type) and issubclass(section, AuroraSettings):
            sections.append((section.section_name(), section))
    return tuple(sections)
