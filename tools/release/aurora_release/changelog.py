"""Keep a Changelog files: is a version documented, and promote ``Unreleased`` entries."""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["has_entry", "promote_unreleased", "unreleased_entries"]

_HEADING = re.compile(r"^## \[(?P<name>[^\]]+)\]", re.MULTILINE)


def _sections(text: str) -> dict[str, str]:
    matches = list(_HEADING.finditer(text))
    sections = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        sections[match.group("name")] = text[match.end() : end]
    return sections


def has_entry(text: str, version: str) -> bool:
    """Whether the changelog has a non-empty section for ``version``."""
    body = _sections(text).get(version)
    return body is not None and any(line.startswith("- ") for line in body.splitlines())


def unreleased_entries(text: str) -> bool:
    """Whether ``## [Unreleased]`` holds any entry."""
    return has_entry(text, "Unreleased")


def promote_unreleased(text: str, version: str, today: dt.date | None = None) -> str:
    """Move the ``Unreleased`` entries under a new ``version`` heading, leaving it empty.

    Raises:
        ValueError: There is no Unreleased section with entries to release.
    """
    if not unreleased_entries(text):
        raise ValueError("the changelog has no entries under '## [Unreleased]' to release")
    date = (today or dt.date.today()).isoformat()
    return text.replace("## [Unreleased]", f"## [Unreleased]\n\n## [{version}] - {date}", 1)
