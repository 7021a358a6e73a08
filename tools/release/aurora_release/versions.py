"""Semantic versions and where a lib declares its own (its BUILD file's ``aurora_lib``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["Part", "Version", "read_version", "write_version"]

Part = Literal["major", "minor", "patch"]
_VERSION_CALL = re.compile(r'(aurora_lib\(\s*version=")([^"]+)(")')


@dataclass(frozen=True, order=True, slots=True)
class Version:
    """A ``MAJOR.MINOR.PATCH`` version; pre-releases are not used in Aurora."""

    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version:
        match = re.fullmatch(r"v?(\d+)\.(\d+)\.(\d+)", text.strip())
        if match is None:
            raise ValueError(f"not a MAJOR.MINOR.PATCH version: {text!r}")
        return cls(*(int(part) for part in match.groups()))

    def bump(self, part: Part) -> Version:
        if part == "major":
            return Version(self.major + 1, 0, 0)
        if part == "minor":
            return Version(self.major, self.minor + 1, 0)
        return Version(self.major, self.minor, self.patch + 1)

    def compatible_with(self, pinned: Version) -> bool:
        """Whether ``~=pinned`` (``>=pinned, ==MAJOR.MINOR.*`` for three parts) admits self."""
        return self >= pinned and (self.major, self.minor) == (pinned.major, pinned.minor)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


def read_version(build_file: Path) -> Version:
    match = _VERSION_CALL.search(build_file.read_text())
    if match is None:
        raise ValueError(f"{build_file}: no aurora_lib(version=...) call")
    return Version.parse(match.group(2))


def write_version(build_file: Path, version: Version) -> None:
    text = build_file.read_text()
    updated, count = _VERSION_CALL.subn(rf"\g<1>{version}\g<3>", text, count=1)
    if count != 1:
        raise ValueError(f"{build_file}: no aurora_lib(version=...) call")
    build_file.write_text(updated)
