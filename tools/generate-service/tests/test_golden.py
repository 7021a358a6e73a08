"""The canonical generation, byte for byte, against a reviewed snapshot.

A template change shows up here as a diff of the generated service. After reviewing
it, bump the template's VERSION (with a migration if a merge can't carry the change)
and regenerate the snapshot:

    AURORA_UPDATE_GOLDEN=1 python -m pytest tools/generate-service/tests/test_golden.py
"""

from __future__ import annotations

import os
import re
from importlib.resources import files
from pathlib import Path

import pytest
import yaml

from aurora.config import generate_env_example

from aurora_generator.jinja_ext import TEMPLATE_PATH, service_config
from aurora_generator.testing import new_repo, run_cli, tree_of

GOLDEN = Path(__file__).parent / "golden" / "user-service.snapshot"
COMMAND = (
    "user-service",
    "8005",
    "--title",
    "User Service",
    "--description",
    "User management service",
)
_HEADER = (
    "# Golden snapshot: `generate-service {command}` in an empty repo.\n"
    "# Regenerate: AURORA_UPDATE_GOLDEN=1 python -m pytest tools/generate-service/tests/test_golden.py\n"
)
_FILE = re.compile(r"^==> (?P<path>.+) <==\n", re.MULTILINE)
ENV_EXAMPLE = "services/user-service/.env.example"
# aurora-config writes most of this file from its model; the snapshot holds the template's
# part only, so a new setting in aurora-config doesn't make this test fail.
_ENV_EXAMPLE_MARK = "<aurora.config.generate_env_example('user-service', service__port=8005)>\n"


def render_snapshot(files: dict[str, str]) -> str:
    """One text file holding every generated file, so diffs read like a code review."""
    command = " ".join(f'"{arg}"' if " " in arg else arg for arg in COMMAND)
    parts = [_HEADER.format(command=command)]
    for path, text in sorted(files.items()):
        assert text.endswith("\n"), f"{path} does not end with a newline"
        parts.append(f"\n==> {path} <==\n{text}")
    return "".join(parts)


def parse_snapshot(text: str) -> dict[str, str]:
    pieces = _FILE.split(text)
    paths, bodies = pieces[1::2], pieces[2::2]
    last = len(paths) - 1
    # Every body but the last carries the blank line that separates it from the next.
    return {
        path: body if index == last else body.removesuffix("\n")
        for index, (path, body) in enumerate(zip(paths, bodies, strict=True))
    }


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The canonical service plus the registry and compose file it wrote."""
    root = new_repo(tmp_path_factory.mktemp("golden") / "repo")
    result = run_cli(root, *COMMAND)
    assert result.code == 0, result.err
    return {
        path: data.decode()
        for path, data in tree_of(root).items()
        if path != "pants.toml" and not path.startswith(TEMPLATE_PATH)
    }


def test_generation_matches_the_golden_snapshot(generated: dict[str, str]) -> None:
    files = dict(generated)
    from_config = generate_env_example(
        "user-service", config_class=service_config(events=False), service__port=8005
    )
    files[ENV_EXAMPLE] = _ENV_EXAMPLE_MARK + files[ENV_EXAMPLE].removeprefix(from_config)
    if os.environ.get("AURORA_UPDATE_GOLDEN"):
        GOLDEN.write_text(render_snapshot(files), encoding="utf-8")
    expected = parse_snapshot(GOLDEN.read_text(encoding="utf-8"))

    assert sorted(files) == sorted(expected)
    for path, text in files.items():
        assert text == expected[path], f"{path} differs from the golden snapshot"


def test_the_env_example_comes_from_aurora_config(generated: dict[str, str]) -> None:
    from_config = generate_env_example(
        "user-service", config_class=service_config(events=False), service__port=8005
    )

    assert generated[ENV_EXAMPLE].startswith(from_config)
    assert "AURORA_SERVICE__PORT=8005\n" in from_config
    assert "# AURORA_USER_SERVICE__MIGRATE_ON_STARTUP=true\n" in generated[ENV_EXAMPLE]


def test_the_answers_file_names_the_template_version_and_its_source(
    generated: dict[str, str],
) -> None:
    answers = yaml.safe_load(generated["services/user-service/.copier-answers.yml"])
    current = files("aurora_generator").joinpath("templates/service/VERSION").read_text()

    assert answers["_commit"] == current.strip()
    assert answers["_src_path"] == TEMPLATE_PATH
    assert (answers["db"], answers["events"], answers["http"]) == (True, False, False)
