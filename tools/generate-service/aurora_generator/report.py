"""What the generator tells its user: the tree it writes, and what an update changed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TextIO

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


def print_updates(out: TextIO, changed: Mapping[str, str]) -> None:
    """One line per file an update changes (``updated``, ``conflict``...), or nothing to do."""
    for path, action in changed.items():
        print(f"  {action:<8} {path}", file=out)
    if not changed:
        print("  nothing to do: the service is at the current template", file=out)
    else:
        print(f"  {len(changed)} file(s) changed", file=out)
