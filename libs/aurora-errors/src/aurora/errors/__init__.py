"""Aurora's error hierarchy and its RFC 9457 problem model.

Every error has a stable machine-readable ``code``, an HTTP ``status`` and
context, and converts to and from ``application/problem+json``.
"""

from aurora.errors._base import AuroraError, FieldError, error_class_for_code
from aurora.errors._exceptions import (
    BadRequestError,
    ConflictError,
    DeadlineExceededError,
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    ServiceUnavailableError,
    UnauthorizedError,
    UpstreamError,
    ValidationError,
)
from aurora.errors._extras import require_extra
from aurora.errors._problem import (
    PROBLEM_CONTENT_TYPE,
    PROBLEM_TYPE_PREFIX,
    Problem,
    error_from_problem,
    to_problem,
)

__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "PROBLEM_TYPE_PREFIX",
    "AuroraError",
    "BadRequestError",
    "ConflictError",
    "DeadlineExceededError",
    "FieldError",
    "ForbiddenError",
    "NotFoundError",
    "PayloadTooLargeError",
    "Problem",
    "RateLimitedError",
    "ServiceUnavailableError",
    "UnauthorizedError",
    "UpstreamError",
    "ValidationError",
    "error_class_for_code",
    "error_from_problem",
    "require_extra",
    "to_problem",
]
