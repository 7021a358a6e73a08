"""Translation of upstream answers and transport failures into ``aurora.errors``.

Callers of aurora-http never see an httpx exception or a bare status code:

* an upstream ``application/problem+json`` becomes the same typed error it was
  raised as upstream (``NotFoundError`` stays ``NotFoundError``);
* any other non-2xx becomes the error its status implies (a 500 becomes
  ``UpstreamError``: the failure is the upstream's, not ours);
* connect failures become ``ServiceUnavailableError``, timeouts
  ``DeadlineExceededError``, broken connections ``UpstreamError``.

Every error gets ``upstream_service`` (and ``upstream_status`` when there was a
response) in its context. These keys don't clash with a ``service`` member the
upstream itself put in its problem, so a chain A → B → C keeps both hops.
"""

from __future__ import annotations

from typing import Any

import httpx

from aurora.errors import (
    PROBLEM_CONTENT_TYPE,
    AuroraError,
    DeadlineExceededError,
    ServiceUnavailableError,
    UpstreamError,
    error_from_problem,
)
from aurora.http._retry import Failure, parse_retry_after

__all__ = ["deadline_error", "error_for_failure", "error_for_response", "misconfigured_error"]

_KNOWN_5XX = frozenset({502, 503, 504})


def error_for_response(service: str, response: httpx.Response) -> AuroraError:
    """The typed error a non-2xx response stands for."""
    status = response.status_code
    body = _json_body(response)
    error: AuroraError | None = None
    if body is not None and _is_problem(response):
        try:
            error = error_from_problem(body, status=status)
        except ValueError:
            error = None
    if error is None:
        error = _error_for_status(service, status, body)
    error.context["upstream_service"] = service
    error.context["upstream_status"] = status
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    if retry_after is not None and status in (429, 503):
        error.context.setdefault("retry_after", retry_after)
    return error


def _is_problem(response: httpx.Response) -> bool:
    content_type: str = response.headers.get("content-type", "")
    return content_type.startswith(PROBLEM_CONTENT_TYPE)


def _json_body(response: httpx.Response) -> dict[str, Any] | None:
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _error_for_status(service: str, status: int, body: dict[str, Any] | None) -> AuroraError:
    raw = body.get("detail") if body else None
    detail = raw if isinstance(raw, str) else f"{service} answered HTTP {status}"
    if status < 400 or (status >= 500 and status not in _KNOWN_5XX):
        return UpstreamError(detail, service=service, upstream_status=status)
    return error_from_problem({"status": status, "detail": detail})


def error_for_failure(service: str, failure: Failure, *, deadline_expired: bool) -> AuroraError:
    """The typed error for a request that got no usable response."""
    context = {"upstream_service": service, "failure": failure.value}
    if deadline_expired:
        return deadline_error(service)
    if failure is Failure.MISCONFIGURED:
        return misconfigured_error(service)
    if failure in (Failure.CONNECT, Failure.POOL):
        return ServiceUnavailableError(f"{service} is unreachable", context=context)
    if failure is Failure.TIMEOUT:
        return DeadlineExceededError(f"{service} did not answer in time", context=context)
    return UpstreamError(f"{service} broke the connection", service=service, context=context)


def deadline_error(service: str) -> DeadlineExceededError:
    """The error for a call whose overall deadline ran out."""
    return DeadlineExceededError(
        f"deadline exceeded calling {service}",
        context={"upstream_service": service, "failure": "deadline"},
    )


def misconfigured_error(service: str) -> AuroraError:
    """A bad base URL or path: a bug to fix, not an outage to retry."""
    return AuroraError(
        f"invalid URL for {service}",
        code="http_client_misconfigured",
        context={"upstream_service": service},
    )
