"""A lib's public API, read by griffe, to tell a breaking change from a compatible one.

The API is what ``aurora/<x>/__init__.py`` exports in ``__all__``, each name resolved to
the object it re-exports (functions and their parameters, classes and their public
members). griffe reads it statically from source and finds the breaking changes
(``griffe check``'s rules); one rule is added here: a name leaving ``__all__`` is a
break even when the object still exists under a private module.

The surface can be stored as JSON (the committed release baseline) and read back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import griffe

__all__ = ["api_from_json", "api_to_json", "breaking_changes", "load_api"]

# Details no caller depends on, kept out of the baseline so it changes only with the API:
# docstrings are dropped, line numbers zeroed (griffe's decoder requires them).
_DROPPED_KEYS = frozenset({"docstring"})
_ZEROED_KEYS = frozenset({"lineno", "endlineno"})


def load_api(source_root: Path, package: str) -> griffe.Module:
    """The public surface of ``aurora.<package>`` found under ``source_root``."""
    module = griffe.load(
        f"aurora.{package}",
        search_paths=[source_root],
        resolve_aliases=True,
        resolve_external=False,
    )
    if not isinstance(module, griffe.Module):
        raise TypeError(f"aurora.{package} is not a module")
    surface = griffe.Module(f"aurora.{package}", filepath=Path(f"aurora/{package}/__init__.py"))
    names = sorted(str(name) for name in module.exports or ())
    for name in names:
        if name not in module.members:
            continue  # listed in __all__ but not defined: the lib's own API test catches it
        member = module.members[name]
        target: griffe.Object | griffe.Alias
        try:
            target = member.final_target if isinstance(member, griffe.Alias) else member
        except griffe.AliasResolutionError:
            target = member  # re-exported from another distribution: compared by name only
        surface.set_member(name, target)
    surface.exports = list[str | griffe.ExprName](names)
    return surface


def api_to_json(api: griffe.Module) -> dict[str, Any]:
    """The surface as plain JSON data, without docstrings or line numbers."""
    data: dict[str, Any] = _strip(json.loads(api.as_json()))
    return data


def api_from_json(data: dict[str, Any]) -> griffe.Module:
    """Read back what :func:`api_to_json` wrote."""
    module = json.loads(json.dumps(data), object_hook=griffe.json_decoder)
    if not isinstance(module, griffe.Module):
        raise ValueError("an API baseline must hold a module")
    return module


def breaking_changes(old: griffe.Module, new: griffe.Module) -> list[str]:
    """One line per way ``new`` breaks users of ``old``.

    A name re-exported from another distribution stays an alias griffe cannot
    resolve (only this lib's source is loaded), and griffe raises on it mid-way, so
    such names are compared by their target instead: the same target is no break,
    another target, or a switch between a local object and a re-export, is one.
    """
    removed = sorted(_exports(old) - _exports(new))
    problems = [f"{name}: removed from __all__" for name in removed]
    kept = _exports(old) & _exports(new)
    foreign = {name for name in kept if _foreign(old, name) or _foreign(new, name)}
    for name in sorted(foreign):
        was, now = _target(old, name), _target(new, name)
        if was != now:
            problems.append(f"{name}: now {now}, was {was}")
    for breakage in griffe.find_breaking_changes(_without(old, foreign), _without(new, foreign)):
        name = breakage.obj.path.removeprefix(old.path + ".")
        if name.split(".")[0] in removed:
            continue
        problems.append(f"{name}: {_explain(breakage)}")
    return problems


def _foreign(api: griffe.Module, name: str) -> bool:
    """Whether ``name`` is an alias griffe cannot follow (another lib defines it)."""
    member = api.members.get(name)
    if not isinstance(member, griffe.Alias):
        return False
    try:
        _ = member.final_target  # resolving is the test
    except (ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return True
    return False


def _target(api: griffe.Module, name: str) -> str:
    member = api.members.get(name)
    return member.target_path if isinstance(member, griffe.Alias) else "defined here"


def _without(api: griffe.Module, names: set[str]) -> griffe.Module:
    """A view of ``api`` without ``names``, leaving ``api`` itself untouched."""
    if not names:
        return api
    view = griffe.Module(api.name, filepath=api.filepath)
    view.members = {name: member for name, member in api.members.items() if name not in names}
    view.exports = [name for name in api.exports or () if str(name) not in names]
    return view


def _exports(api: griffe.Module) -> set[str]:
    return {str(name) for name in api.exports or ()}


def _explain(breakage: griffe.Breakage) -> str:
    """griffe's own words, naming the parameter when one is concerned."""
    parameter = breakage.new_value if breakage.old_value is None else breakage.old_value
    if isinstance(parameter, griffe.Parameter):
        return f"{breakage.kind.value}: {parameter.name}"
    return str(breakage.kind.value)


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: 0 if key in _ZEROED_KEYS else _strip(item)
            for key, item in value.items()
            if key not in _DROPPED_KEYS
        }
    if isinstance(value, list):
        return [_strip(item) for item in value]
    return value
