"""The HTTP-shaped errors every Aurora lib and service raises.

The hierarchy::

    AuroraError (500 internal_error)
    ├── BadRequestError (400 bad_request)
    │   └── ValidationError (422 validation_failed, also ValueError)
    ├── UnauthorizedError (401 unauthorized)
    ├── ForbiddenError (403 forbidden)
    ├── NotFoundError (404 not_found, also LookupError)
    ├── ConflictError (409 conflict)
    ├── PayloadTooLargeError (413 payload_too_large)
    ├── RateLimitedError (429 rate_limited)
    ├── UpstreamError (502 upstream_error)
    ├── ServiceUnavailableError (503 service_unavailable)
    └── DeadlineExceededError (504 deadline_exceeded, also TimeoutError)

``ValidationError`` answers 422 rather than 400 because it is raised for
well-formed requests whose content breaks a rule, as FastAPI does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aurora.errors._base import AuroraError

__all__ = [
    "BadRequestError",
    "ConflictError",
    "DeadlineExceededError",
    "ForbiddenError",
    "NotFoundError",
    "PayloadTooLargeError",
    "RateLimitedError",
    "ServiceUnavailableError",
    "UnauthorizedError",
    "UpstreamError",
    "ValidationError",
]


class BadRequestError(AuroraError):
    """The request is malformed in a way the client must fix."""

    code = "bad_request"
    status = 400
    title = "Bad Request"


class ValidationError(BadRequestError, ValueError):
    """Input broke a rule; ``details`` says which fields and why.

    ``ValidationError("Invalid input", details=[{"field": "name", "message": "required"}])``
    """

    code = "validation_failed"
    status = 422
    title = "Validation Failed"

    def __init__(
        self,
        detail: str = "Invalid input",
        *,
        details: Iterable[Mapping[str, Any] | str] | None = None,
        context: Mapping[str, Any] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(detail, errors=details, context=context, code=code)

    @property
    def details(self) -> list[dict[str, Any]]:
        """The field errors (the seed's name for ``errors``)."""
        return self.errors


class UnauthorizedError(AuroraError):
    """No valid credentials: the client should authenticate and retry."""

    code = "unauthorized"
    status = 401
    title = "Unauthorized"
    default_detail = "Authentication is required"


class ForbiddenError(AuroraError):
    """Credentials are valid but do not allow this action."""

    code = "forbidden"
    status = 403
    title = "Forbidden"
    default_detail = "You are not allowed to perform this action"


class NotFoundError(AuroraError, LookupError):
    """A resource does not exist: ``NotFoundError("Subject", "123")``."""

    code = "not_found"
    status = 404
    title = "Not Found"

    def __init__(
        self,
        resource: str = "Resource",
        id: object | None = None,  # - the seed API names it ``id``
        *,
        detail: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> None:
        merged = {"resource": resource, **({"id": str(id)} if id is not None else {})}
        merged.update(context or {})
        if detail is None:
            detail = f"{resource} '{id}' not found" if id is not None else f"{resource} not found"
        super().__init__(detail, context=merged)

    @property
    def resource(self) -> str | None:
        """The kind of thing that was looked up."""
        value = self.context.get("resource")
        return None if value is None else str(value)

    @property
    def id(self) -> str | None:
        """The identifier that matched nothing."""
        value = self.context.get("id")
        return None if value is None else str(value)


class ConflictError(AuroraError):
    """The request conflicts with current state (duplicate key, stale version)."""

    code = "conflict"
    status = 409
    title = "Conflict"


class PayloadTooLargeError(AuroraError):
    """The request body is larger than the service accepts."""

    code = "payload_too_large"
    status = 413
    title = "Payload Too Large"


class _RetryableError(AuroraError):
    """An error after which the same request may succeed later."""

    def __init__(
        self,
        detail: str | None = None,
        *,
        retry_after: float | None = None,
        context: Mapping[str, Any] | None = None,
        code: str | None = None,
    ) -> None:
        merged = dict(context or {})
        if retry_after is not None:
            merged["retry_after"] = retry_after
        super().__init__(detail, context=merged, code=code)

    @property
    def retry_after(self) -> float | None:
        """Seconds the client should wait before retrying, when known."""
        value = self.context.get("retry_after")
        return None if value is None else float(value)


class RateLimitedError(_RetryableError):
    """Too many requests: slow down for ``retry_after`` seconds."""

    code = "rate_limited"
    status = 429
    title = "Too Many Requests"
    default_detail = "Rate limit exceeded"


class ServiceUnavailableError(_RetryableError):
    """A dependency or the service itself cannot serve now; try again later."""

    code = "service_unavailable"
    status = 503
    title = "Service Unavailable"
    default_detail = "The service is temporarily unavailable"


class UpstreamError(AuroraError):
    """An upstream service answered with something unusable."""

    code = "upstream_error"
    status = 502
    title = "Bad Gateway"
    default_detail = "An upstream service failed"

    def __init__(
        self,
        detail: str | None = None,
        *,
        service: str | None = None,
        upstream_status: int | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> None:
        merged = dict(context or {})
        if service is not None:
            merged["service"] = service
        if upstream_status is not None:
            merged["upstream_status"] = upstream_status
        super().__init__(detail, context=merged)


class DeadlineExceededError(AuroraError, TimeoutError):
    """The time budget for an operation ran out before it completed."""

    code = "deadline_exceeded"
    status = 504
    title = "Gateway Timeout"
    default_detail = "The operation did not complete in time"
