"""The pure-ASGI layers of an Aurora service.

``create_service`` assembles them in one fixed order, outermost first:

1. correlation id, 2. error handling, 3. request logging, 4. metrics,
5. security headers, 6. request body limit, 7. request deadline: the stages of
   :class:`ServiceMiddleware`, one frame;
8. trusted proxies, 9. CORS, 10. GZip, 11. rate limiting,
   12. idempotency keys: separate layers, present only when configured.

None of them is a ``BaseHTTPMiddleware`` (which costs a task and a memory
stream per request): each is a plain ``(scope, receive, send)`` class.
"""

from aurora.app.middleware._body_limit import BodyLimit
from aurora.app.middleware._correlation import CorrelationIds, fast_correlation_id
from aurora.app.middleware._cors import EXPOSED_HEADERS, cors_middleware
from aurora.app.middleware._deadline import (
    DEADLINE_SCOPE_KEY,
    Deadline,
    DeadlineClock,
    DeadlineMiddleware,
    deadline,
    remaining_seconds,
)
from aurora.app.middleware._errors import UnhandledErrors
from aurora.app.middleware._idempotency import IdempotencyMiddleware
from aurora.app.middleware._logging import SENSITIVE_HEADERS, AccessLog
from aurora.app.middleware._proxies import TrustedProxies, parse_networks
from aurora.app.middleware._ratelimit import RateLimitMiddleware
from aurora.app.middleware._routes import UNMATCHED, route_template
from aurora.app.middleware._security_headers import DEFAULT_SECURITY_HEADERS, SecurityHeaders
from aurora.app.middleware._service import ServiceMiddleware

__all__ = [
    "DEADLINE_SCOPE_KEY",
    "DEFAULT_SECURITY_HEADERS",
    "EXPOSED_HEADERS",
    "SENSITIVE_HEADERS",
    "UNMATCHED",
    "AccessLog",
    "BodyLimit",
    "CorrelationIds",
    "Deadline",
    "DeadlineClock",
    "DeadlineMiddleware",
    "IdempotencyMiddleware",
    "RateLimitMiddleware",
    "SecurityHeaders",
    "ServiceMiddleware",
    "TrustedProxies",
    "UnhandledErrors",
    "cors_middleware",
    "deadline",
    "fast_correlation_id",
    "parse_networks",
    "remaining_seconds",
    "route_template",
]
