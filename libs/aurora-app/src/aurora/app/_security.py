"""JWT bearer authentication and scope checks, as FastAPI dependencies.

Routes declare what they need and get a :class:`Principal`::

    @app.post("/subjects")
    async def create(principal: Annotated[Principal, Depends(require_scopes("subjects:write"))]): ...

Failures are RFC 9457 problems carrying an RFC 6750 ``WWW-Authenticate``
challenge: 401 ``invalid_token`` when the token is missing, malformed, expired,
for another audience or issuer, or badly signed; 403 ``insufficient_scope`` when
it is valid but lacks a scope. Details never echo the token.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import jwt
from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from aurora.config import SecuritySettings
from aurora.errors import AuroraError, ForbiddenError, UnauthorizedError
from aurora.utils import set_current_actor

__all__ = [
    "PRINCIPAL_SCOPE_KEY",
    "CurrentPrincipal",
    "InsufficientScopeError",
    "InvalidTokenError",
    "Principal",
    "TokenVerifier",
    "authenticate",
    "require_scopes",
]

PRINCIPAL_SCOPE_KEY = "aurora.principal"
"""Where a verified principal is cached in the ASGI scope (the rate limiter verifies first)."""
_SYMMETRIC = ("HS256", "HS384", "HS512")
_ASYMMETRIC_PREFIXES = ("RS", "PS", "ES", "Ed")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the token's subject, its scopes and all its claims."""

    subject: str
    scopes: frozenset[str] = frozenset()
    claims: Mapping[str, Any] = field(default_factory=dict)

    def has_scopes(self, *scopes: str) -> bool:
        """Whether every one of ``scopes`` was granted."""
        return self.scopes.issuperset(scopes)


def _challenge(realm: str, **params: str) -> dict[str, str]:
    parts = [f'realm="{realm}"', *(f'{key}="{value}"' for key, value in params.items())]
    return {"WWW-Authenticate": "Bearer " + ", ".join(parts)}


class InvalidTokenError(UnauthorizedError):
    """401: no usable bearer token; carries the ``WWW-Authenticate`` challenge."""

    def __init__(self, detail: str, *, realm: str = "api", missing: bool = False) -> None:
        super().__init__(detail)
        # RFC 6750 §3.1: a request without credentials gets a challenge with no error code.
        params = {} if missing else {"error": "invalid_token", "error_description": detail}
        self.headers = _challenge(realm, **params)


class InsufficientScopeError(ForbiddenError):
    """403: the token is valid but lacks a required scope."""

    def __init__(self, missing: Collection[str], *, realm: str = "api") -> None:
        scopes = " ".join(sorted(missing))
        super().__init__(
            f"Missing required scope(s): {scopes}", context={"required_scopes": sorted(missing)}
        )
        self.headers = _challenge(realm, error="insufficient_scope", scope=scopes)


class TokenVerifier:
    """Verifies JWTs with PyJWT: signature, ``exp``/``nbf`` (with leeway), ``iss``, ``aud``.

    HMAC (``HS*``) tokens need ``secret``; RSA/EC tokens need ``public_key`` (PEM).
    With both keys, both families are accepted, each only with its own key, so a
    public key can never be abused as an HMAC secret.

    Args:
        secret: Shared secret for HS256/384/512.
        public_key: PEM public key for RS*/PS*/ES*/EdDSA.
        algorithms: Accepted ``alg`` values; by default the families of the given keys.
        issuer: Required ``iss``, when set.
        audience: Accepted ``aud`` value(s), when set.
        leeway: Clock skew tolerated on ``exp`` and ``nbf``, in seconds.
        realm: Realm named in ``WWW-Authenticate`` challenges.
    """

    def __init__(
        self,
        *,
        secret: str | None = None,
        public_key: str | None = None,
        algorithms: Iterable[str] | None = None,
        issuer: str | None = None,
        audience: str | Iterable[str] | None = None,
        leeway: float = 0.0,
        realm: str = "api",
    ) -> None:
        if not secret and not public_key:
            raise ValueError("TokenVerifier needs a secret (HS*) or a public key (RS*/ES*)")
        if algorithms is None:
            algorithms = [*(["HS256"] if secret else []), *(["RS256"] if public_key else [])]
        self._keys: dict[str, str] = {}
        for algorithm in algorithms:
            key = secret if algorithm in _SYMMETRIC else public_key
            if algorithm not in _SYMMETRIC and not algorithm.startswith(_ASYMMETRIC_PREFIXES):
                raise ValueError(f"unsupported JWT algorithm {algorithm!r}")
            if not key:
                raise ValueError(
                    f"JWT algorithm {algorithm} is enabled but its key is not configured"
                )
            self._keys[algorithm] = key
        self._issuer = issuer
        self._audience = (
            audience if audience is None or isinstance(audience, str) else list(audience)
        )
        self._leeway = leeway
        self.realm = realm

    @classmethod
    def from_settings(
        cls, security: SecuritySettings, *, realm: str = "api"
    ) -> TokenVerifier | None:
        """A verifier from aurora.config's ``SecuritySettings``; ``None`` without keys."""
        secret = security.jwt_secret.get_secret_value() if security.jwt_secret else None
        public_key = security.jwt_public_key or None
        if not secret and not public_key:
            return None
        configured: str = security.jwt_algorithm
        algorithms: list[str] = []
        if secret:
            algorithms.append(configured if configured in _SYMMETRIC else "HS256")
        if public_key:
            algorithms.append("RS256" if configured in _SYMMETRIC else configured)
        return cls(
            secret=secret,
            public_key=public_key,
            algorithms=algorithms,
            issuer=security.jwt_issuer or None,
            audience=security.jwt_audience or None,
            leeway=float(security.jwt_leeway),
            realm=realm,
        )

    def verify(self, token: str) -> Principal:
        """The principal a token proves, or :class:`InvalidTokenError`."""
        try:
            algorithm = jwt.get_unverified_header(token).get("alg")
        except jwt.PyJWTError as exc:
            raise self._invalid("The token is malformed") from exc
        key = self._keys.get(algorithm) if isinstance(algorithm, str) else None
        if key is None or not isinstance(algorithm, str):
            raise self._invalid("The token algorithm is not accepted")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
                options={"require": ["exp", "sub"], "verify_aud": self._audience is not None},
            )
        except jwt.PyJWTError as exc:
            raise self._invalid(_describe(exc)) from exc
        principal = _principal(claims)
        if principal is None:
            raise self._invalid("The token subject is invalid")
        return principal

    def _invalid(self, detail: str) -> InvalidTokenError:
        return InvalidTokenError(detail, realm=self.realm)


def _describe(exc: jwt.PyJWTError) -> str:
    # Fixed phrases instead of PyJWT's messages, which may quote claim values.
    described: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
        (jwt.ExpiredSignatureError, "The token has expired"),
        (jwt.ImmatureSignatureError, "The token is not yet valid"),
        (jwt.InvalidAudienceError, "The token is not meant for this service"),
        (jwt.InvalidIssuerError, "The token issuer is not trusted"),
        (jwt.InvalidSignatureError, "The token signature is invalid"),
        (jwt.MissingRequiredClaimError, "The token lacks a required claim"),
    )
    for kind, text in described:
        if isinstance(exc, kind):
            return text
    return "The token is invalid"


def _principal(claims: dict[str, Any]) -> Principal | None:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        return None
    raw = claims.get("scope", claims.get("scp", claims.get("scopes", ())))
    # OAuth 2 (RFC 8693) sends one space-separated string; Azure AD and others a list.
    scopes = raw.split() if isinstance(raw, str) else [str(item) for item in raw or ()]
    return Principal(subject=subject, scopes=frozenset(scopes), claims=claims)


def token_verifier_for(connection: HTTPConnection) -> TokenVerifier | None:
    """The verifier ``create_service`` attached to the app, if any."""
    return getattr(connection.app.state, "aurora_token_verifier", None)


_bearer = HTTPBearer(auto_error=False, description="A JWT issued for this service.")


async def authenticate(
    request: HTTPConnection,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Dependency: the verified caller, or a 401 problem."""
    cached = request.scope.get(PRINCIPAL_SCOPE_KEY)
    if isinstance(cached, Principal):
        set_current_actor(cached.subject)  # who writes, for audit columns (aurora.utils)
        return cached
    verifier = token_verifier_for(request)
    if verifier is None:
        # A route demands auth but the service has no key: a deployment bug, not the client's.
        raise AuroraError("Authentication is not configured for this service")
    if credentials is None:
        raise InvalidTokenError("A bearer token is required", realm=verifier.realm, missing=True)
    principal = verifier.verify(credentials.credentials)
    request.scope[PRINCIPAL_SCOPE_KEY] = principal
    set_current_actor(principal.subject)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]
"""Annotate a route parameter with this to require a valid token and receive its principal."""


def require_scopes(*scopes: str) -> Callable[..., Awaitable[Principal]]:
    """Dependency factory: a valid token that grants every one of ``scopes``.

    Use it as ``Depends(require_scopes("subjects:write"))``, in a parameter or in a
    route's ``dependencies=[...]``.
    """
    required = frozenset(scopes)

    async def dependency(request: HTTPConnection, principal: CurrentPrincipal) -> Principal:
        missing = required - principal.scopes
        if missing:
            verifier = token_verifier_for(request)
            raise InsufficientScopeError(missing, realm=verifier.realm if verifier else "api")
        return principal

    dependency.__name__ = f"require_scopes({', '.join(sorted(required))})"
    return dependency
