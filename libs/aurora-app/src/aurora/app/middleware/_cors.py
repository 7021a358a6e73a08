"""Layer 5a: CORS from the service's security config, refusing unsafe combinations.

Starlette's ``CORSMiddleware`` does the protocol work (it is pure ASGI). What this
adds is a start-up check: ``allow_origins=["*"]`` with credentials would let any
web page make authenticated calls on behalf of a logged-in user, so it is
rejected before the service ever serves a request.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from aurora.config import ConfigError, ConfigProblem

__all__ = ["EXPOSED_HEADERS", "cors_middleware"]

EXPOSED_HEADERS = (
    "X-Request-ID",
    "Retry-After",
    "RateLimit",
    "RateLimit-Policy",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
)
"""Response headers browser code may read (correlation and quota information)."""


def cors_middleware(origins: Sequence[str], *, allow_credentials: bool) -> Middleware:
    """The configured CORS layer.

    Raises:
        ConfigError: ``*`` is among the origins while credentials are allowed.
    """
    if "*" in origins and allow_credentials:
        raise ConfigError(
            "CORS cannot allow every origin ('*') together with credentials",
            [
                ConfigProblem(
                    variable="AURORA_SECURITY__CORS_ORIGINS",
                    message="list the allowed origins explicitly, or set "
                    "AURORA_SECURITY__CORS_ALLOW_CREDENTIALS=false",
                    pointer="#/security/cors_origins",
                )
            ],
        )
    return Middleware(
        CORSMiddleware,
        allow_origins=list(origins),
        allow_credentials=allow_credentials,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=list(EXPOSED_HEADERS),
    )
