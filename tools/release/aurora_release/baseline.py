"""The committed record of a lib's last release: ``libs/<lib>/api-baseline.json``.

A release tag is the natural baseline, but tags live outside the tree (a fresh clone
or a squash merge may lack them). So ``bump`` also records, next to the lib's BUILD
file, the released version, a digest of its shipped files and its public API as griffe
reads it. ``check`` compares the working tree with the newest of the tag and this record.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import griffe

from aurora_release.api import api_from_json, api_to_json, load_api
from aurora_release.repo import Lib
from aurora_release.versions import Version

__all__ = ["Baseline", "read_baseline", "source_digest", "write_baseline"]

FILE_NAME = "api-baseline.json"


@dataclass(frozen=True)
class Baseline:
    """What was released as ``version``: its files' digest and its public API."""

    version: Version
    digest: str
    api: dict[str, Any]

    def load_api(self) -> griffe.Module:
        return api_from_json(self.api)


def source_digest(lib: Lib) -> str:
    """sha256 over the lib's shipped files (paths and contents), caches excluded."""
    digest = hashlib.sha256()
    for path in sorted(lib.source_dir.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(lib.source_dir).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def read_baseline(lib: Lib) -> Baseline | None:
    path = lib.path / FILE_NAME
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    return Baseline(Version.parse(data["version"]), data["digest"], data["api"])


def write_baseline(lib: Lib, version: Version) -> Baseline:
    """Record the working tree's lib as released under ``version``."""
    api = api_to_json(load_api(lib.source_dir.parent.parent, lib.package))
    baseline = Baseline(version, source_digest(lib), api)
    record = {"version": str(version), "digest": baseline.digest, "api": api}
    (lib.path / FILE_NAME).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return baseline
