"""Who sent a request, as far as the edge layers can tell before any route runs.

The rate limiter and the idempotency layer both key on the caller: the verified
JWT subject when the request carries a valid bearer token, else the client
address. The principal is cached in the scope, so the route's own authentication
does not verify the token a second time.
"""

from __future__ import annotations

from starlette.types import Scope

from aurora.app._security import PRINCIPAL_SCOPE_KEY, InvalidTokenError, Principal, TokenVerifier

__all__ = ["client_address", "verified_principal"]


def verified_principal(scope: Scope, verifier: TokenVerifier | None) -> Principal | None:
    """The principal a valid bearer token proves, or ``None`` (no token, invalid, no verifier)."""
    cached: Principal | None = scope.get(PRINCIPAL_SCOPE_KEY)
    if cached is not None or verifier is None:
        return cached
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer" or not token:
                return None
            try:
                principal = verifier.verify(token.strip())
            except InvalidTokenError:
                return None  # the route's own authentication answers 401
            scope[PRINCIPAL_SCOPE_KEY] = principal
            return principal
    return None


def client_address(scope: Scope) -> str:
    """The client's address (the real one behind trusted proxies), or ``unknown``."""
    client = scope.get("client")
    return client[0] if client else "unknown"
