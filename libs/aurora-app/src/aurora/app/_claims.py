"""What a verified token's claims say: scopes, roles, and whether its dates are numbers.

Identity providers disagree on where they put things: scopes are a
space-separated ``scope`` (RFC 8693, Keycloak, Auth0) or a list in ``scp``
(Entra ID, Okta); roles are ``roles`` (Entra ID), ``realm_access.roles``
(Keycloak) or a namespaced claim such as ``https://example.com/roles`` (Auth0
rules). A roles path is therefore tried as one claim name first, then as a
dotted path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["dates_are_numbers", "roles_reader", "scopes_of"]

_DATE_CLAIMS = ("exp", "nbf", "iat")


def dates_are_numbers(claims: Mapping[str, Any]) -> bool:
    """RFC 7519 §2 NumericDate: ``exp``/``nbf``/``iat`` must be JSON numbers, not ``"9999999999"``.

    PyJWT converts with ``int()``, which accepts numeric strings; this is the stricter check.
    """
    for name in _DATE_CLAIMS:
        value = claims.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            return False
    return True


def scopes_of(claims: Mapping[str, Any]) -> frozenset[str]:
    """Scopes from ``scope`` (space-separated), ``scp`` or ``scopes`` (a string or a list)."""
    raw = claims.get("scope", claims.get("scp", claims.get("scopes", ())))
    return _strings(raw)


def roles_reader(path: str) -> Callable[[Mapping[str, Any]], frozenset[str]]:
    """Reads roles at ``path``: a claim of that exact name, else a dotted path into nested claims.

    The path is split once, here, rather than on every request.
    """
    parts = tuple(path.split("."))

    def roles(claims: Mapping[str, Any]) -> frozenset[str]:
        if path in claims:
            return _strings(claims[path])
        node: Any = claims
        for part in parts:
            node = node.get(part) if isinstance(node, Mapping) else None
            if node is None:
                return frozenset()
        return _strings(node)

    return roles


def _strings(raw: Any) -> frozenset[str]:
    if isinstance(raw, str):
        return frozenset(raw.split())
    if isinstance(raw, list | tuple):
        if all(isinstance(item, str) for item in raw):
            return frozenset(raw)
        return frozenset(item for item in raw if isinstance(item, str))
    return frozenset()
