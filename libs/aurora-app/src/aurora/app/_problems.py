"""Every error leaves the service as ``application/problem+json``.

One function turns any :class:`~aurora.errors.AuroraError` into bytes and headers;
the FastAPI exception handlers and the pure-ASGI layers (errors, body limit, rate
limit) all go through it, so a 404, a 413 and a 500 look the same to clients and
always carry the correlation id.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

import orjson
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import Send

from aurora.errors import PROBLEM_CONTENT_TYPE, AuroraError, ValidationError, to_problem
from aurora.logging import get_correlation_id, get_logger

__all__ = [
    "MAX_VALIDATION_ERRORS",
    "allowed_methods",
    "aurora_error_handler",
    "error_for_status",
    "http_exception_handler",
    "problem_content",
    "problem_headers",
    "problem_response",
    "report_server_error",
    "send_problem",
    "validation_error_handler",
]

_CONTENT_TYPE = PROBLEM_CONTENT_TYPE.encode("latin-1")
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
MAX_VALIDATION_ERRORS = 100
"""Errors listed in a 422 at most; the detail says how many there were."""
# Codes the aurora-errors hierarchy already names; other statuses get a code derived
# from the reason phrase ("method_not_allowed") so clients can still switch on it.
_KNOWN_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    413: "payload_too_large",
    422: "validation_failed",
    429: "rate_limited",
    502: "upstream_error",
    503: "service_unavailable",
    504: "deadline_exceeded",
}


def problem_content(error: AuroraError, instance: str | None) -> bytes:
    """The JSON body for ``error``, stamped with the current correlation id."""
    problem = to_problem(error, instance=instance, correlation_id=get_correlation_id())
    # default=str: context values are user data and may hold dates, UUIDs, decimals.
    return orjson.dumps(problem.to_dict(), default=str)


def problem_headers(error: AuroraError) -> list[tuple[bytes, bytes]]:
    """Headers the error implies: ``Retry-After`` and any the error carries itself.

    Errors may expose a ``headers`` mapping (``HTTPException`` does; Aurora's auth
    errors use it for ``WWW-Authenticate``), so protocol headers survive translation.
    """
    headers: list[tuple[bytes, bytes]] = []
    retry_after = error.context.get("retry_after")
    if isinstance(retry_after, int | float) and retry_after >= 0:
        headers.append((b"retry-after", str(math.ceil(retry_after)).encode("latin-1")))
    extra = getattr(error, "headers", None)
    if extra:
        headers.extend(
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in dict(extra).items()
        )
    return headers


def problem_response(error: AuroraError, request: Request) -> Response:
    """A Starlette response for ``error`` (used by exception handlers)."""
    body = problem_content(error, request.url.path)
    response = Response(body, status_code=error.status, media_type=PROBLEM_CONTENT_TYPE)
    response.raw_headers.extend(problem_headers(error))
    return response


async def send_problem(
    send: Send,
    error: AuroraError,
    instance: str | None,
    extra_headers: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    """Answer with ``error`` straight on the ASGI channel (for middleware layers)."""
    body = problem_content(error, instance)
    headers = [
        (b"content-type", _CONTENT_TYPE),
        (b"content-length", str(len(body)).encode("latin-1")),
        *problem_headers(error),
        *extra_headers,
    ]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def error_for_status(
    status: int, detail: str | None = None, headers: Mapping[str, str] | None = None
) -> AuroraError:
    """The Aurora error for a bare HTTP status (``HTTPException``, Starlette's 404/405)."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    code = _KNOWN_CODES.get(status) or phrase.lower().replace(" ", "_").replace("-", "_")
    if detail == phrase:
        detail = None  # Starlette repeats the phrase as detail; it adds nothing.
    error = _StatusError(detail, code=code, status=status, title=phrase)
    error.headers = dict(headers or {})
    return error


class _StatusError(AuroraError):
    """A status-only error that keeps the protocol headers it came with (``Allow``)."""

    headers: dict[str, str]


async def aurora_error_handler(request: Request, exc: Exception) -> Response:
    """Handler for :class:`AuroraError` raised in routes and dependencies.

    A 5xx is the service's fault and its client learns nothing of the cause, so it
    is logged here, once, with the cause chain and (bound by then) the correlation
    id: a ``database_error`` is diagnosable from the log alone.
    """
    assert isinstance(exc, AuroraError)
    if exc.status >= 500:
        report_server_error(request.method, request.url.path, exc)
    return problem_response(exc, request)


def report_server_error(method: str | None, path: str | None, exc: AuroraError) -> None:
    """Log a 5xx answer's cause once (its traceback and chained driver error)."""
    cause = exc.__cause__ or exc.__context__
    get_logger("aurora.app.errors").error(
        "server_error",
        method=method,
        path=path,
        status=exc.status,
        code=exc.code,
        error_type=type(exc).__qualname__,
        cause_type=type(cause).__qualname__ if cause is not None else None,
        exc_info=exc,
    )


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    """Handler for ``HTTPException``, including Starlette's own 404 and 405."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code < 400:  # a redirect or 304 raised as an exception: not a problem
        return Response(status_code=exc.status_code, headers=exc.headers)
    detail = exc.detail if isinstance(exc.detail, str) else None
    headers = exc.headers
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": ", ".join(allowed_methods(request))}
    return problem_response(error_for_status(exc.status_code, detail, headers), request)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path.

    Starlette's 405 names the methods of the first route whose path matched, so
    ``GET`` and ``POST`` declared as two routes on one path answered ``Allow: POST``.
    Each method is asked of the router as a request of its own (a fresh scope, so
    included routers answer too); this runs on 405s only.
    """
    routes = request.app.router.routes
    allowed = []
    for method in _METHODS:
        scope = {
            "type": "http",
            "method": method,
            "path": request.scope["path"],
            "root_path": request.scope.get("root_path", ""),
            "headers": [],
        }
        if any(route.matches(scope)[0] is Match.FULL for route in routes):
            allowed.append(method)
    return allowed


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    """Handler for FastAPI request validation: 422 with one entry per bad field."""
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    detail = "Request validation failed"
    if len(errors) > MAX_VALIDATION_ERRORS:
        # A body with 500k bad keys must not become a 45 MiB answer: the first
        # errors show what is wrong, the count how much.
        detail = f"Request validation failed: {len(errors)} errors, the first {MAX_VALIDATION_ERRORS} listed"
        errors = errors[:MAX_VALIDATION_ERRORS]
    error = ValidationError(detail, details=validation_details(errors))
    return problem_response(error, request)


def validation_details(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic errors as ``{"pointer": "#/body/name", "detail": ..., "code": ...}``.

    The rejected ``input`` is deliberately dropped: it may be a password.
    """
    details: list[dict[str, Any]] = []
    for item in errors:
        location = [str(part) for part in item.get("loc", ())]
        pointer = "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in location)
        details.append(
            {
                "pointer": pointer,
                "detail": str(item.get("msg", "Invalid value")),
                "code": item.get("type"),
            }
        )
    return details
