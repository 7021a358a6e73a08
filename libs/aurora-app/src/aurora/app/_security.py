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

from aurora.app._claims import dates_are_numbers, roles_reader, scopes_of
from aurora.app._jwks import JwksKeySource, KeysUnavailableError
from aurora.app._keys import (
    ASYMMETRIC_ALGORITHMS,
    HMAC_ALGORITHMS,
    KeySource,
    SigningKey,
    StaticKeys,
)
from aurora.app._security_settings import SecuritySettings
from aurora.errors import AuroraError, ForbiddenError, UnauthorizedError
from aurora.utils import set_current_actor

__all__ = [
    "PRINCIPAL_SCOPE_KEY",
    "CurrentPrincipal",
    "InsufficientRoleError",
    "InsufficientScopeError",
    "InvalidTokenError",
    "Principal",
    "TokenVerifier",
    "authenticate",
    "require_roles",
    "require_scopes",
]

PRINCIPAL_SCOPE_KEY = "aurora.principal"
"""Where a verified principal is cached in the ASGI scope (the rate limiter verifies first)."""
_HEADER_CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the token's subject, its scopes, its roles and all its claims."""

    subject: str
    scopes: frozenset[str] = frozenset()
    claims: Mapping[str, Any] = field(default_factory=dict)
    roles: frozenset[str] = frozenset()

    def has_scopes(self, *scopes: str) -> bool:
        """Whether every one of ``scopes`` was granted."""
        return self.scopes.issuperset(scopes)

    def has_roles(self, *roles: str) -> bool:
        """Whether the caller holds every one of ``roles``."""
        return self.roles.issuperset(roles)


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


class InsufficientRoleError(ForbiddenError):
    """403: the token is valid but its holder lacks a required role."""

    def __init__(self, missing: Collection[str]) -> None:
        roles = " ".join(sorted(missing))
        super().__init__(
            f"Missing required role(s): {roles}", context={"required_roles": sorted(missing)}
        )


class TokenVerifier:
    """Verifies JWTs with PyJWT: signature, ``exp``/``nbf``/``iat`` (with leeway), ``iss``, ``aud``.

    Keys come from a :class:`~aurora.app.KeySource`: static ones built from
    ``secret`` (HS*) and ``public_key`` (PEM, RS/PS/ES/EdDSA), each algorithm
    only with its own key, or an identity provider's JWKS
    (:class:`~aurora.app.JwksKeySource`), keys chosen by ``kid``.

    Without an ``audience``, a token that names one is refused (RFC 7519 §4.1.3):
    it was meant for someone else. Date claims must be numbers.

    Args:
        secret: Shared secret for HS256/384/512.
        public_key: PEM public key for RS*/PS*/ES*/EdDSA.
        keys: A key source instead of ``secret``/``public_key``.
        algorithms: Accepted static-key ``alg`` values; by default the families of the keys.
        issuer: Required ``iss``; with OIDC discovery, the discovered issuer by default.
        audience: Accepted ``aud`` value(s).
        leeway: Clock skew tolerated on ``exp``, ``nbf`` and ``iat``, in seconds.
        required_claims: Claims every token must carry besides ``sub``.
        roles_claim: Where roles are: a claim name or a dotted path.
        realm: Realm named in ``WWW-Authenticate`` challenges.
    """

    def __init__(
        self,
        *,
        secret: str | None = None,
        public_key: str | None = None,
        keys: KeySource | None = None,
        algorithms: Iterable[str] | None = None,
        issuer: str | None = None,
        audience: str | Iterable[str] | None = None,
        leeway: float = 0.0,
        required_claims: Iterable[str] = ("exp",),
        roles_claim: str = "roles",
        realm: str = "api",
    ) -> None:
        if keys is None:
            if not secret and not public_key:
                raise ValueError("TokenVerifier needs a secret (HS*) or a public key (RS*/ES*)")
            if algorithms is None:
                algorithms = [*(["HS256"] if secret else []), *(["RS256"] if public_key else [])]
            algorithms = list(algorithms)
            keys = StaticKeys(secret=secret, public_key=public_key, algorithms=algorithms)
        elif secret or public_key or algorithms is not None:
            raise ValueError("give TokenVerifier either keys= or static keys, not both")
        else:
            algorithms = keys.algorithms
        self.keys = keys
        self._algorithms = frozenset(algorithms)
        # One static key: PyJWT's own alg check suffices, sparing a second header parse.
        only = next(iter(self._algorithms)) if len(self._algorithms) == 1 else None
        self._single = keys.key_for({"alg": only}) if isinstance(keys, StaticKeys) else None
        self._issuer = issuer
        self._audience = (
            audience if audience is None or isinstance(audience, str) else list(audience)
        )
        self._leeway = leeway
        self._options: Any = {"require": sorted({*required_claims, "sub"})}
        self._roles = roles_reader(roles_claim)
        self._headers: dict[str, dict[str, Any]] = {}
        self.realm = realm

    @classmethod
    def from_settings(
        cls, security: SecuritySettings, *, realm: str = "api"
    ) -> TokenVerifier | None:
        """A verifier from aurora.config's ``SecuritySettings``; ``None`` without keys."""
        options: dict[str, Any] = {
            "issuer": security.jwt_issuer or None,
            "audience": security.jwt_audience or None,
            "leeway": float(security.jwt_leeway),
            "required_claims": security.jwt_required_claims,
            "roles_claim": security.jwt_roles_claim,
            "realm": realm,
        }
        if security.identity_provider:
            return cls(keys=_remote_keys(security), **options)
        secret = security.jwt_secret.get_secret_value() if security.jwt_secret else None
        public_key = security.jwt_public_key or None
        if not secret and not public_key:
            return None
        algorithms = security.jwt_algorithms or _static_algorithms(security, secret, public_key)
        return cls(secret=secret, public_key=public_key, algorithms=algorithms, **options)

    def verify(self, token: str) -> Principal:
        """The principal a token proves, from the keys at hand, or :class:`InvalidTokenError`."""
        if self._single is not None:
            return self._decode(token, self._single)
        signing = self.keys.key_for(self._header(token))
        if signing is None:
            raise self._invalid("The token signing key is unknown")
        return self._decode(token, signing)

    async def averify(self, token: str) -> Principal:
        """Like :meth:`verify`, refetching the keys once for an unknown ``kid``.

        Raises:
            InvalidTokenError: The token is not valid.
            KeysUnavailableError: There are no keys to verify it with (503).
        """
        if self._single is not None:
            return self._decode(token, self._single)
        header = self._header(token)
        keys = self.keys
        signing = keys.key_for(header)
        if signing is None and await keys.refetch():
            signing = keys.key_for(header)
        if signing is None:
            if not keys.available:
                raise KeysUnavailableError()
            raise self._invalid("The token signing key is unknown")
        return self._decode(token, signing)

    def _header(self, token: str) -> dict[str, Any]:
        # An IdP's tokens share a handful of header segments (one per key): parsed once
        # each. Only accepted headers are kept, and only up to a bound, so forged ones
        # can at worst stop new entries (costing a parse), never grow memory.
        segment = token.partition(".")[0]
        header = self._headers.get(segment)
        if header is not None:
            return header
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise self._invalid("The token is malformed") from exc
        # Refused before any key lookup: alg=none or a foreign family never costs a fetch.
        if header.get("alg") not in self._algorithms:
            raise self._invalid("The token algorithm is not accepted")
        if len(self._headers) < _HEADER_CACHE_SIZE:
            self._headers[segment] = header
        return header

    def _decode(self, token: str, signing: SigningKey) -> Principal:
        # algorithms=[the key's]: a token whose alg differs from its key's is refused.
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                signing.key,
                algorithms=[signing.algorithm],
                issuer=self._issuer or self.keys.issuer,
                audience=self._audience,
                leeway=self._leeway,
                options=self._options,
            )
        except jwt.PyJWTError as exc:
            raise self._invalid(_describe(exc)) from exc
        if not dates_are_numbers(claims):
            raise self._invalid("The token dates are not numbers")
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject:
            raise self._invalid("The token subject is invalid")
        return Principal(
            subject=subject,
            scopes=scopes_of(claims),
            claims=claims,
            roles=self._roles(claims),
        )

    def _invalid(self, detail: str) -> InvalidTokenError:
        return InvalidTokenError(detail, realm=self.realm)


def _static_algorithms(
    security: SecuritySettings, secret: str | None, public_key: str | None
) -> list[str]:
    configured: str = security.jwt_algorithm
    algorithms: list[str] = []
    if secret:
        algorithms.append(configured if configured in HMAC_ALGORITHMS else "HS256")
    if public_key:
        algorithms.append("RS256" if configured in HMAC_ALGORITHMS else configured)
    return algorithms


def _remote_keys(security: SecuritySettings) -> JwksKeySource:
    return JwksKeySource(
        jwks_url=security.jwks_url,
        issuer_url=None if security.jwks_url else security.oidc_issuer_url,
        algorithms=security.jwt_algorithms or ASYMMETRIC_ALGORITHMS,
        cache_ttl=security.jwks_cache_ttl,
        refetch_interval=security.jwks_refetch_interval,
        max_stale=security.jwks_max_stale,
        fetch_timeout=security.jwks_fetch_timeout,
    )


def _describe(exc: jwt.PyJWTError) -> str:
    # Fixed phrases instead of PyJWT's messages, which may quote claim values.
    described: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
        (jwt.ExpiredSignatureError, "The token has expired"),
        (jwt.ImmatureSignatureError, "The token is not yet valid"),
        (jwt.InvalidAudienceError, "The token is not meant for this service"),
        (jwt.InvalidIssuerError, "The token issuer is not trusted"),
        (jwt.InvalidSignatureError, "The token signature is invalid"),
        (jwt.MissingRequiredClaimError, "The token lacks a required claim"),
        (jwt.InvalidAlgorithmError, "The token algorithm is not accepted"),
        (jwt.DecodeError, "The token is malformed"),  # after its subclass InvalidSignatureError
    )
    for kind, text in described:
        if isinstance(exc, kind):
            return text
    return "The token is invalid"


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
    principal = await verifier.averify(credentials.credentials)
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


def require_roles(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """Dependency factory: a valid token whose holder has every one of ``roles``.

    Roles are read from ``security.jwt_roles_claim`` (``realm_access.roles`` for
    Keycloak, ``roles`` for Entra ID); use it as ``Depends(require_roles("admin"))``.
    """
    required = frozenset(roles)

    async def dependency(principal: CurrentPrincipal) -> Principal:
        missing = required - principal.roles
        if missing:
            raise InsufficientRoleError(missing)
        return principal

    dependency.__name__ = f"require_roles({', '.join(sorted(required))})"
    return dependency
