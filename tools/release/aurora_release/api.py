"""A lib's public API as data, to tell a breaking change from a compatible one.

The API is the lib's ``__all__`` and, for each name, its call signature (functions, and
classes through ``__init__``). Read statically from source, so the tool can compare a
tagged release with the working tree without importing either.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

__all__ = ["Signature", "breaking_changes", "public_api"]


@dataclass(frozen=True)
class Signature:
    """The parts of a signature callers depend on."""

    positional: tuple[str, ...]
    required: frozenset[str]
    keywords: frozenset[str]
    variadic: bool

    @classmethod
    def of(cls, args: ast.arguments, skip_self: bool) -> Signature:
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        if skip_self and positional:
            positional = positional[1:]
        defaults = len(args.defaults)
        required = set(positional[: len(positional) - defaults] if defaults else positional)
        required |= {
            a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None
        }
        keywords = set(positional) | {a.arg for a in args.kwonlyargs}
        return cls(
            tuple(positional), frozenset(required), frozenset(keywords), args.kwarg is not None
        )

    def breaks(self, new: Signature) -> str | None:
        """Why a caller of ``self`` would break against ``new``, or None."""
        if new.variadic:
            return None
        if new.positional[: len(self.positional)] != self.positional[: len(new.positional)]:
            return "positional parameters changed"
        if lost := self.keywords - new.keywords:
            return f"parameters removed: {', '.join(sorted(lost))}"
        if added := new.required - self.required:
            return f"new required parameters: {', '.join(sorted(added))}"
        return None


def _definitions(files: dict[str, str]) -> tuple[list[str], dict[str, Signature | None]]:
    exported: list[str] = []
    signatures: dict[str, Signature | None] = {}
    for path, source in files.items():
        tree = ast.parse(source)
        for node in tree.body:
            if path.endswith("__init__.py") and isinstance(node, ast.Assign):
                if any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
                    exported = list(ast.literal_eval(node.value))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                signatures.setdefault(node.name, Signature.of(node.args, skip_self=False))
            elif isinstance(node, ast.ClassDef):
                init = next(
                    (
                        n
                        for n in node.body
                        if isinstance(n, ast.FunctionDef) and n.name == "__init__"
                    ),
                    None,
                )
                signatures.setdefault(node.name, Signature.of(init.args, True) if init else None)
    return exported, signatures


def public_api(files: dict[str, str]) -> dict[str, Signature | None]:
    """``__all__`` names mapped to their signature (None when not a callable we can read)."""
    exported, signatures = _definitions(files)
    return {name: signatures.get(name) for name in exported}


def breaking_changes(
    old: dict[str, Signature | None], new: dict[str, Signature | None]
) -> list[str]:
    """Human descriptions of each way ``new`` breaks users of ``old``."""
    problems = [f"{name}: removed from __all__" for name in sorted(set(old) - set(new))]
    for name in sorted(set(old) & set(new)):
        before, after = old[name], new[name]
        if before is not None and after is not None and (why := before.breaks(after)):
            problems.append(f"{name}: {why}")
    return problems
