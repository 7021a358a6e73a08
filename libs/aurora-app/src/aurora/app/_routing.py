"""A route that skips FastAPI's dependency machinery when it has nothing to solve.

FastAPI builds one request handler per route (``get_request_handler``) and runs
all of it on every request: it looks up its native telemetry four times, solves
dependencies (a sub-response, a cache, two exit-stack lookups, four parameter
passes, even when the endpoint takes nothing), reads the body, then runs the
endpoint and serializes. For ``GET /ping`` that machinery is most of FastAPI's
cost per request; a plain Starlette route does the same work in about a quarter
of the time (``benchmarks/app_overhead.py`` has the profile).

:class:`ServiceRoute` keeps FastAPI's handler and puts a lean one in front of it
for every route without a request body or a streamed response. The lean handler
runs the same steps with FastAPI's own functions: ``solve_dependencies`` for the
route's dependencies, ``serialize_response`` for the response model's validation
and ``dump_json``, the same response classes, statuses, background tasks and
sub-response headers. What it leaves out is what such a route never uses: the body
read, the stream branches, the telemetry hooks while FastAPI's native telemetry is
off. A route whose values are only its own path, query, header and cookie
parameters (no dependency, no ``Response``, ``BackgroundTasks`` or
``SecurityScopes`` parameter) skips dependency solving too: those parameters are
validated with FastAPI's ``request_params_to_args``, and only the kinds the route
declares are read. Whenever a request needs anything else, FastAPI's handler
serves it, so the outcome is FastAPI's:

* a parameter of such a route fails validation: the request is handed to
  FastAPI's handler, which validates again (nothing has run yet) and raises its
  own 422;
* FastAPI's native telemetry is recording the request: FastAPI's handler runs,
  with its operation spans and telemetry data;
* the route reads a body or streams: FastAPI's handler is the route's handler.

This is hand-written because no library offers it: the handler is FastAPI's
internals, and the lean path uses eight of its private names. They are checked
at import and the lean path is used only on the FastAPI minor versions it was
verified against (:data:`VERIFIED_FASTAPI`); on any other version a
``ServiceRoute`` is a plain ``APIRoute``. ``tests/test_routing.py`` drives the
same routes through FastAPI's handler and this one and compares the responses
byte for byte, valid and invalid requests alike.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import fastapi
from fastapi import APIRouter
from fastapi.datastructures import DefaultPlaceholder
from fastapi.routing import APIRoute
from fastapi.utils import is_body_allowed_for_status_code
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

__all__ = ["VERIFIED_FASTAPI", "ServiceRoute", "ServiceRouter", "lean_handler_active"]

VERIFIED_FASTAPI = ("0.165",)
"""FastAPI minor versions whose request handler the lean path was checked against."""

Handler = Callable[[Request], Coroutine[Any, Any, Response]]

try:
    from fastapi._compat import Undefined
    from fastapi.dependencies.models import (
        _is_async_gen_callable,
        _is_coroutine_callable,
        _is_gen_callable,
    )
    from fastapi.dependencies.utils import request_params_to_args, solve_dependencies
    from fastapi.exceptions import RequestValidationError
    from fastapi.routing import (
        _effective_route_context_var,
        _extract_endpoint_context,
        serialize_response,
    )
    from fastapi.sse import EventSourceResponse
    from fastapi.telemetry._api import _get_request_telemetry
except ImportError:  # pragma: no cover - another FastAPI: plain APIRoute behaviour
    _AVAILABLE = False
else:
    _AVAILABLE = ".".join(fastapi.__version__.split(".")[:2]) in VERIFIED_FASTAPI


def lean_handler_active() -> bool:
    """Whether this FastAPI is one the lean path runs on (else routes are plain ``APIRoute``)."""
    return _AVAILABLE


class ServiceRoute(APIRoute):
    """FastAPI's ``APIRoute`` with a lean handler for routes that have nothing to solve.

    The service app uses it for every route it declares; an ``APIRouter`` gets it
    with ``APIRouter(route_class=ServiceRoute)``, or use :class:`ServiceRouter`.
    """

    def get_route_handler(self) -> Handler:
        """FastAPI's handler, fronted by the lean one when the route allows it."""
        full = super().get_route_handler()
        if not _AVAILABLE:
            return full
        # FastAPI builds an included route's handler under its effective context
        # (the include's prefix, dependencies and settings): judge that one.
        route: Any = self
        context = _effective_route_context_var.get()
        if context is not None and context.original_route is self:
            route = context
        if not _is_lean(route):
            return full
        return _LeanHandler(route, full)


class ServiceRouter(APIRouter):
    """An ``APIRouter`` whose routes are :class:`ServiceRoute` unless told otherwise."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", ServiceRoute)
        super().__init__(*args, **kwargs)


def _is_lean(route: Any) -> bool:
    """Whether FastAPI's handler would only solve, call and serialize (no body, no stream)."""
    dependant = route.dependant
    call = dependant.call
    response_class = route.response_class
    if isinstance(response_class, DefaultPlaceholder):
        response_class = response_class.value
    return not (
        call is None
        or dependant.body_params
        or route.body_field is not None
        or dependant.websocket_param_name
        or route.is_json_stream
        or (isinstance(response_class, type) and issubclass(response_class, EventSourceResponse))
        or _is_gen_callable(call)
        or _is_async_gen_callable(call)
    )


def _needs_solving(dependant: Any) -> bool:
    """Whether values come from anything but the request's own parameters."""
    return bool(
        dependant.dependencies
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
    )


class _LeanHandler:
    """What FastAPI's handler does for one route, minus the steps the route has no use for."""

    def __init__(self, route: Any, full: Handler) -> None:
        dependant = route.dependant
        self.full = full
        self.dependant = dependant
        self.call = dependant.call
        self.is_coroutine = _is_coroutine_callable(dependant.call)
        self.field = route.response_field
        default_class = isinstance(route.response_class, DefaultPlaceholder)
        self.response_class: type[Response] = (
            route.response_class.value if default_class else route.response_class
        )
        self.dump_json = self.field is not None and default_class
        self.status_code: int | None = route.status_code
        self.params = None if _needs_solving(dependant) else _Params(dependant)
        self.route_path = dependant.path
        self.overrides = route.dependency_overrides_provider
        self.embed_body_fields = route._embed_body_fields
        self.options = {
            "include": route.response_model_include,
            "exclude": route.response_model_exclude,
            "by_alias": route.response_model_by_alias,
            "exclude_unset": route.response_model_exclude_unset,
            "exclude_defaults": route.response_model_exclude_defaults,
            "exclude_none": route.response_model_exclude_none,
        }

    async def __call__(self, request: Request) -> Response:
        if _get_request_telemetry() is not None:
            return await self.full(request)
        endpoint_ctx = _extract_endpoint_context(self.call)
        if self.route_path:
            mount_path = request.scope.get("root_path", "").rstrip("/")
            endpoint_ctx["path"] = f"{request.method} {mount_path}{self.route_path}"
        if self.params is None:
            solved = await solve_dependencies(
                request=request,
                dependant=self.dependant,
                body=Undefined,
                dependency_overrides_provider=self.overrides,
                async_exit_stack=request.scope["fastapi_inner_astack"],
                embed_body_fields=self.embed_body_fields,
            )
            if solved.errors:
                raise RequestValidationError(solved.errors, body=None, endpoint_ctx=endpoint_ctx)
            values = solved.values
            background: Any = solved.background_tasks
            sub_response: Response | None = solved.response
        else:
            found = self.params.solve(request)
            if found is None:  # invalid: FastAPI's handler raises its own 422
                return await self.full(request)
            values, background, sub_response = found, None, None
        if self.is_coroutine:
            raw = await self.call(**values)
        else:
            raw = await run_in_threadpool(self.call, **values)
        if isinstance(raw, Response):
            if raw.background is None:
                raw.background = background
            return raw
        content = await serialize_response(
            field=self.field,
            response_content=raw,
            is_coroutine=self.is_coroutine,
            endpoint_ctx=endpoint_ctx,
            dump_json=self.dump_json,
            **self.options,
        )
        return self._respond(content, background, sub_response)

    def _respond(self, content: Any, background: Any, sub_response: Response | None) -> Response:
        # As FastAPI's _build_response_args: a status set on the sub-response (by
        # the endpoint or a dependency) wins over the route's.
        response_args: dict[str, Any] = {"background": background}
        if sub_response is not None and sub_response.status_code:
            response_args["status_code"] = sub_response.status_code
        elif self.status_code:
            response_args["status_code"] = self.status_code
        # The status goes to the constructor, as in FastAPI: Starlette decides
        # there whether the response gets a content-length.
        if self.dump_json:
            response = Response(content=content, media_type="application/json", **response_args)
        else:
            response = self.response_class(content, **response_args)
        if not is_body_allowed_for_status_code(response.status_code):
            response.body = b""
        if sub_response is not None:
            response.headers.raw.extend(sub_response.headers.raw)
        return response


class _Params:
    """A route's path, query, header and cookie parameters, validated the way FastAPI does."""

    __slots__ = ("cookie", "header", "path", "query", "request_names")

    def __init__(self, dependant: Any) -> None:
        self.path: Sequence[Any] = dependant.path_params
        self.query: Sequence[Any] = dependant.query_params
        self.header: Sequence[Any] = dependant.header_params
        self.cookie: Sequence[Any] = dependant.cookie_params
        self.request_names = tuple(
            name
            for name in (dependant.request_param_name, dependant.http_connection_param_name)
            if name
        )

    def solve(self, request: Request) -> dict[str, Any] | None:
        """The parameters' values, or ``None`` when any of them is invalid."""
        values: dict[str, Any] = {}
        # Only the kinds the route declares are read: an unread header or cookie
        # map is never built, which is FastAPI's result with less work.
        for fields, source in (
            (self.path, "path_params"),
            (self.query, "query_params"),
            (self.header, "headers"),
            (self.cookie, "cookies"),
        ):
            if fields:
                found, errors = request_params_to_args(fields, getattr(request, source))
                if errors:
                    return None
                values.update(found)
        for name in self.request_names:
            values[name] = request
        return values
