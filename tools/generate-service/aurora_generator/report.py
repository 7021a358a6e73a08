"""What the generator tells its user: the tree it writes, and what an update did per file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TextIO

from aurora_generator.merge import Action, FileUpdate

__all__ = ["print_tree", "print_updates"]


def _nested(paths: Iterable[str]) -> dict[str, dict[str, object]]:
    tree: dict[str, dict[str, object]] = {}
    for path in paths:
        node = tree
        for part in path.split("/"):
            node = node.setdefault(part, {})  # type: ignore[assignment]
    return tree


def _lines(node: Mapping[str, object], prefix: str = "") -> Iterable[str]:
    # Directories first, like `tree --dirsfirst`, then files; each group sorted.
    entries = sorted(node.items(), key=lambda item: (not item[1], item[0]))
    for index, (name, children) in enumerate(entries):
        last = index == len(entries) - 1
        branch, indent = ("└── ", "    ") if last else ("├── ", "│   ")
        yield f"{prefix}{branch}{name}{'/' if children else ''}"
        if isinstance(children, dict) and children:
            yield from _lines(children, prefix + indent)


def print_tree(out: TextIO, root: str, files: Mapping[str, object], *, verb: str) -> None:
    """Print ``files`` (relative to ``root``) as a tree, headed by what happens to them."""
    print(f"{root}/ ({verb}, {len(files)} files)", file=out)
    for line in _lines(_nested(files)):
        print(line, file=out)


def print_updates(out: TextIO, updates: Iterable[FileUpdate]) -> None:
    """One line per file an update changes or declines to change, then the tally."""
    unchanged = 0
    for item in updates:
        if item.action is Action.KEEP and item.note in {"template unchanged", "already up to date"}:
            unchanged += 1
            continue
        print(f"  {item.action.value:<8} {item.path}  ({item.note})", file=out)
    print(f"  {unchanged} file(s) unchanged", file=out)
