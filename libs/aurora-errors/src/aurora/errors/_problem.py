"""RFC 9457 problem details: the one error body every Aurora service speaks.

Errors convert to a :class:`Problem` (``to_problem``) and a received problem
converts back to the same typed error (``error_from_problem``), so a client of an
Aurora service gets ``NotFoundError`` for a 404 from upstream, not a status code.
Kept free of any web framework: aurora-app and aurora-http do the HTTP plumbing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aurora.errors._base import (
    AuroraError,
    FieldError,
    error_class_for_code,
    normalize_field_errors,
)

__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "PROBLEM_TYPE_PREFIX",
    "Problem",
    "error_from_problem",
    "to_problem",
]

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:aurora:problem:"
_MEMBERS = ("type", "title", "status", "detail", "instance", "code", "correlation_id", "errors")


@dataclass(frozen=True, slots=True)
class Problem:
    """An RFC 9457 problem: the standard members plus Aurora's ``code``,
    ``correlation_id`` and field ``errors``; anything else is an extension member.
    """

    status: int
    title: str
    type: str = "about:blank"
    detail: str | None = None
    instance: str | None = None
    code: str | None = None
    correlation_id: str | None = None
    errors: tuple[FieldError, ...] = ()
    extensions: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON body, with empty optional members left out."""
        body: dict[str, Any] = dict(self.extensions)
        body.update(type=self.type, title=self.title, status=self.status)
        for name in ("detail", "instance", "code", "correlation_id"):
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        if self.errors:
            body["errors"] = [dict(error) for error in self.errors]
        return body

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, status: int | None = None) -> Problem:
        """Parse a problem body leniently, as RFC 9457 asks of consumers.

        Members of the wrong type are ignored rather than fatal; ``status`` (the
        HTTP status the body arrived with) fills in a missing ``status`` member.

        Raises:
            ValueError: ``data`` has no usable status at all.
        """
        raw_status = data.get("status")
        resolved = (
            raw_status if isinstance(raw_status, int) and 100 <= raw_status <= 599 else status
        )
        if resolved is None:
            raise ValueError("problem has no valid 'status' member and no HTTP status was given")
        raw_errors = data.get("errors")
        errors = normalize_field_errors(
            [e for e in raw_errors if isinstance(e, Mapping | str)]
            if isinstance(raw_errors, list)
            else None
        )
        return cls(
            status=resolved,
            title=_text(data.get("title")) or "",
            type=_text(data.get("type")) or "about:blank",
            detail=_text(data.get("detail")),
            instance=_text(data.get("instance")),
            code=_text(data.get("code")),
            correlation_id=_text(data.get("correlation_id")),
            errors=tuple(errors),
            extensions={k: v for k, v in data.items() if k not in _MEMBERS},
        )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def to_problem(
    error: AuroraError, *, instance: str | None = None, correlation_id: str | None = None
) -> Problem:
    """The problem a client should see for ``error``; ``context`` becomes extension members."""
    return Problem(
        status=error.status,
        title=error.title,
        type=PROBLEM_TYPE_PREFIX + error.code,
        detail=error.detail,
        instance=instance,
        code=error.code,
        correlation_id=correlation_id,
        errors=tuple(error.errors),
        extensions=dict(error.context),
    )


def error_from_problem(
    problem: Problem | Mapping[str, Any], *, status: int | None = None
) -> AuroraError:
    """Rebuild the typed error a problem describes.

    The class is chosen by ``code``, then by the code in an Aurora ``type`` URN,
    then by HTTP status; a problem from a foreign service still becomes the
    closest Aurora error, never a bare exception.
    """
    if not isinstance(problem, Problem):
        problem = Problem.from_dict(problem, status=status)
    code = problem.code
    if code is None and problem.type.startswith(PROBLEM_TYPE_PREFIX):
        code = problem.type.removeprefix(PROBLEM_TYPE_PREFIX)
    cls = (error_class_for_code(code) if code else None) or _class_for_status(problem.status)
    return cls.restore(
        detail=problem.detail,
        code=code or cls.code,
        status=problem.status,
        title=problem.title or cls.title,
        context=problem.extensions,
        errors=problem.errors,
    )


_STATUS_CODES = {
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


def _class_for_status(status: int) -> type[AuroraError]:
    code = _STATUS_CODES.get(status)
    if code is None:
        code = "bad_request" if 400 <= status < 500 else "internal_error"
    cls = error_class_for_code(code)
    assert cls is not None, f"built-in code {code!r} must be registered"
    return cls
