"""aurora-app's security section, ``AURORA_SECURITY__*``: how tokens are verified, and CORS.

aurora-app owns it (it builds the token verifier, the JWKS cache, outbound client
credentials and the CORS layer from it); aurora-config only composes it into a
service's config, so every field is reachable from the environment, ``.env`` and
the secrets directory with the same precedence and provenance.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, get_args
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import SettingsConfigDict

from aurora.config import AuroraSettings, CommaList, register_section

__all__ = ["JwtAlgorithm", "SecuritySettings"]


JwtAlgorithm = Literal[
    "HS256",
    "HS384",
    "HS512",
    "RS256",
    "RS384",
    "RS512",
    "ES256",
    "ES384",
    "ES512",
    "PS256",
    "PS384",
    "PS512",
    "EdDSA",
]


@register_section
class SecuritySettings(AuroraSettings):
    """Token verification, identity provider, outbound credentials and CORS: ``AURORA_SECURITY__*``.

    Keys come from the environment (``jwt_secret``/``jwt_public_key``), from a JWKS
    URL, or from an OpenID Connect issuer's discovery document; at most one of the
    two remote sources. With a remote source an audience is required: an identity
    provider signs tokens for every service it knows, and without an audience check
    a token meant for one of them would be accepted by all.
    """

    model_config = SettingsConfigDict(env_prefix="AURORA_SECURITY__")

    jwt_algorithm: JwtAlgorithm = "HS256"
    """JWT signing algorithm; HS* use jwt_secret, the others the key pair."""
    jwt_secret: SecretStr | None = None
    """Shared secret for HS* algorithms, at least as long as the hash (32 bytes for HS256)."""
    jwt_public_key: str | None = None
    """PEM public key that verifies RS/ES/PS/EdDSA tokens."""
    jwt_private_key: SecretStr | None = None
    """PEM private key, only for the service that issues tokens."""
    jwks_url: str | None = Field(default=None, validate_default=True)
    """URL of the identity provider's JWKS (signing keys, chosen by kid)."""
    oidc_issuer_url: str | None = Field(default=None, validate_default=True)
    """OpenID Connect issuer; its /.well-known/openid-configuration names the JWKS and the iss."""
    jwt_issuer: str | None = None
    """Expected iss claim; the discovered issuer with oidc_issuer_url; unchecked when empty."""
    jwt_audience: str | None = Field(default=None, validate_default=True)
    """Expected aud claim (required with an identity provider); when empty, tokens with an aud are refused."""
    jwt_algorithms: CommaList = Field(default_factory=list, validate_default=True)
    """Accepted algorithms; by default RS256..EdDSA with an identity provider, else jwt_algorithm."""
    jwt_required_claims: CommaList = Field(default_factory=lambda: ["exp"])
    """Claims every token must carry besides sub, comma-separated."""
    jwt_roles_claim: str = "roles"
    """Claim holding the roles, dotted for nested ones: realm_access.roles (Keycloak), roles (Entra)."""
    jwt_leeway: int = Field(default=30, ge=0)
    """Seconds of clock skew tolerated on exp/nbf/iat."""
    jwks_cache_ttl: float = Field(default=300.0, gt=0)
    """Seconds keys stay fresh when the JWKS response has no Cache-Control max-age."""
    jwks_refetch_interval: float = Field(default=30.0, gt=0)
    """Minimum seconds between JWKS fetches (an unknown kid triggers at most one per interval)."""
    jwks_max_stale: float = Field(default=3600.0, ge=0)
    """Seconds cached keys keep verifying past their freshness while the provider is unreachable."""
    jwks_fetch_timeout: float = Field(default=5.0, gt=0)
    """Seconds allowed for one fetch of the JWKS or the discovery document."""
    oauth_token_url: str | None = Field(default=None, validate_default=True)
    """OAuth 2 token endpoint this service gets its own tokens from (client credentials)."""
    oauth_client_id: str | None = Field(default=None, validate_default=True)
    """This service's client id at the token endpoint."""
    oauth_client_secret: SecretStr | None = Field(default=None, validate_default=True)
    """This service's client secret at the token endpoint."""
    oauth_scope: str | None = None
    """Scopes requested with client credentials, space-separated."""
    access_token_ttl: int = Field(default=900, gt=0)
    """Lifetime of issued access tokens, in seconds."""
    refresh_token_ttl: int = Field(default=604_800, gt=0)
    """Lifetime of issued refresh tokens, in seconds."""
    cors_origins: CommaList = Field(default_factory=list)
    """Origins allowed by CORS, comma-separated or a JSON list; empty disables CORS."""
    cors_allow_credentials: bool = False
    """Whether CORS responses allow cookies and Authorization headers."""

    _HMAC_MIN_BYTES: ClassVar[dict[str, int]] = {"HS256": 32, "HS384": 48, "HS512": 64}

    @property
    def identity_provider(self) -> str | None:
        """The remote key source (JWKS or issuer URL), if one is configured."""
        return self.jwks_url or self.oidc_issuer_url

    @field_validator("jwt_secret")
    @classmethod
    def _check_secret_length(
        cls, value: SecretStr | None, info: ValidationInfo
    ) -> SecretStr | None:
        # RFC 7518 3.2: an HMAC key shorter than the hash weakens it; PyJWT warns too.
        minimum = cls._HMAC_MIN_BYTES.get(info.data.get("jwt_algorithm", ""), 0)
        if value is not None and len(value.get_secret_value().encode()) < minimum:
            raise ValueError(f"must be at least {minimum} bytes for {info.data['jwt_algorithm']}")
        return value

    @field_validator("jwks_url", "oidc_issuer_url", "oauth_token_url")
    @classmethod
    def _check_remote_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            return None
        _check_https(value)
        if info.field_name == "oidc_issuer_url" and info.data.get("jwks_url"):
            raise ValueError("set either this or AURORA_SECURITY__JWKS_URL, not both")
        return value

    @field_validator("jwt_audience")
    @classmethod
    def _audience_with_provider(cls, value: str | None, info: ValidationInfo) -> str | None:
        provider = info.data.get("jwks_url") or info.data.get("oidc_issuer_url")
        if provider and not value:
            raise ValueError(
                "is required with an identity provider (tokens are issued for many services)"
            )
        return value or None

    @field_validator("jwt_algorithms")
    @classmethod
    def _check_algorithms(cls, value: list[str], info: ValidationInfo) -> list[str]:
        known = get_args(JwtAlgorithm)
        for algorithm in value:
            if algorithm not in known:
                raise ValueError(f"{algorithm!r} is not one of {', '.join(known)}")
        remote = info.data.get("jwks_url") or info.data.get("oidc_issuer_url")
        if remote and any(algorithm.startswith("HS") for algorithm in value):
            raise ValueError("HS* algorithms cannot verify keys published by an identity provider")
        return value

    @field_validator("oauth_client_id", "oauth_client_secret")
    @classmethod
    def _credentials_complete(cls, value: Any, info: ValidationInfo) -> Any:
        if info.data.get("oauth_token_url") and not value:
            raise ValueError("is required with AURORA_SECURITY__OAUTH_TOKEN_URL")
        return value

    @field_validator("cors_origins")
    @classmethod
    def _strip_trailing_slash(cls, value: list[str]) -> list[str]:
        # Browsers send Origin without a trailing slash; a configured one would never match.
        return [origin.rstrip("/") for origin in value]


def _check_https(value: str) -> None:
    # Keys and tokens fetched over plain HTTP can be swapped on the way; loopback is
    # the only network where that is not a concern (local IdPs, tests).
    parts = urlsplit(value)
    loopback = parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1")
    if not parts.netloc or not (parts.scheme == "https" or loopback):
        raise ValueError("must be an absolute https:// URL (http:// only on loopback)")
