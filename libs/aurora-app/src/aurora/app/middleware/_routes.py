"""The route template of a request, read after routing for free.

Starlette's router stores the matched route in ``scope["route"]``; reading its
``path`` once the app has returned gives ``/subjects/{subject_id}`` without
re-matching anything. Logs and metrics label by template so that ids in URLs
neither explode metric cardinality nor leak into dashboards.
"""

from __future__ import annotations

from starlette.routing import Mount
from starlette.types import Scope

__all__ = ["UNMATCHED", "route_template"]

UNMATCHED = "<unmatched>"
"""Template for requests no route matched (404s): one label for all of them."""


def route_template(scope: Scope, root_path: str) -> str:
    """The matched route's path template, prefixed by any mount it went through.

    Args:
        scope: The request scope after the app handled it.
        root_path: ``scope["root_path"]`` as it was *before* routing; a mount
            extends it, and the difference is the mount's prefix.
    """
    route = scope.get("route")
    if route is None:
        return UNMATCHED
    path: str | None = getattr(route, "path", None)
    if path is None:
        return UNMATCHED
    mounted: str = scope.get("root_path", "")
    if isinstance(route, Mount):  # a mounted plain ASGI app: its prefix is already in root_path
        return mounted[len(root_path) :] + "/{path}"
    if mounted != root_path and mounted.startswith(root_path):
        return mounted[len(root_path) :] + path
    return path
