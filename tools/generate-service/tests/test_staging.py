"""Writes are all or nothing: a failed stage leaves the target exactly as it was."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from aurora_generator.staging import replace_file, staged_directory, write_tree


def test_a_new_directory_appears_whole(tmp_path: Path) -> None:
    target = tmp_path / "services" / "new"

    with staged_directory(target) as stage:
        write_tree(stage, {"a.txt": "a\n", "sub/b.txt": "b\n"})
        assert not target.exists()

    assert (target / "sub/b.txt").read_text() == "b\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert [path.name for path in target.parent.iterdir()] == ["new"]


def test_a_failure_leaves_the_existing_directory_untouched(tmp_path: Path) -> None:
    target = tmp_path / "service"
    write_tree(target, {"keep.txt": "original\n"})

    def interrupted_update() -> None:
        with staged_directory(target) as stage:
            write_tree(stage, {"keep.txt": "changed\n", "new.txt": "new\n"})
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        interrupted_update()

    assert (target / "keep.txt").read_text() == "original\n"
    assert not (target / "new.txt").exists()
    assert [path.name for path in tmp_path.iterdir()] == ["service"]


def test_an_update_swaps_in_the_new_tree_whole(tmp_path: Path) -> None:
    target = tmp_path / "service"
    write_tree(target, {"keep.txt": "kept\n", "gone.txt": "old\n"})

    with staged_directory(target) as stage:
        write_tree(stage, {"keep.txt": "kept\n", "new.txt": "new\n"})

    assert sorted(path.name for path in target.iterdir()) == ["keep.txt", "new.txt"]
    assert [path.name for path in tmp_path.iterdir()] == ["service"]


def test_replace_file_keeps_the_mode_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "services.yml"
    path.write_text("old\n")
    path.chmod(0o640)

    replace_file(path, "new\n")

    assert path.read_text() == "new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [entry.name for entry in tmp_path.iterdir()] == ["services.yml"]
