"""Signed JWTs for a given set of scopes, matching a service's security settings.

aurora-app verifies bearer tokens with the keys in ``config.security`` (HS256
with ``jwt_secret``, RS256 with ``jwt_public_key``). A :class:`TokenFactory`
holds a matching key and hands out both sides: the settings to build the
service with, and tokens (or ready ``Authorization`` headers) to call it with::

    tokens = TokenFactory.rs256(audience="subjects")
    config = ServiceConfig.composed().model_validate({"service": {"name": "subjects"}, "security": tokens.security})
    client.post("/subjects", headers=tokens.headers("subjects:write"))
    client.post("/subjects", headers=tokens.headers("subjects:read"))   # 403 insufficient_scope

For a service whose settings already exist, :meth:`TokenFactory.from_settings`
signs with its ``jwt_secret`` (or ``jwt_private_key``).
"""

from __future__ import annotations

import functools
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

__all__ = ["DEFAULT_SUBJECT", "Algorithm", "TokenFactory", "claims_of", "rsa_key_pair"]

Algorithm = Literal["HS256", "RS256"]
DEFAULT_SUBJECT = "test-user"


@functools.cache
def rsa_key_pair() -> tuple[str, str]:
    """A 2048-bit RSA key pair as PEM text ``(private, public)``, generated once per process.

    Generating one costs tens of milliseconds; tests don't need a fresh one each.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


class TokenFactory:
    """Issues JWTs the way an identity provider would for a service's tests.

    Args:
        algorithm: ``"HS256"`` (``secret``) or ``"RS256"`` (``private_key``).
        secret: The HMAC secret; at least 32 bytes, as aurora-config requires.
        private_key: PEM private key that signs RS256 tokens.
        public_key: Its PEM public key, for the service's settings.
        issuer: ``iss`` of every token (and the ``jwt_issuer`` setting), if any.
        audience: ``aud`` of every token (and the ``jwt_audience`` setting), if any.
        subject: Default ``sub``.
        ttl: Seconds until ``exp``.
        clock: Wall-clock seconds since the epoch, for ``iat``/``exp``.
    """

    def __init__(
        self,
        *,
        algorithm: Algorithm = "HS256",
        secret: str | None = None,
        private_key: str | None = None,
        public_key: str | None = None,
        issuer: str | None = None,
        audience: str | None = None,
        subject: str = DEFAULT_SUBJECT,
        ttl: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if algorithm == "HS256" and not secret:
            raise ValueError("HS256 tokens need a secret")
        if algorithm == "RS256" and not private_key:
            raise ValueError("RS256 tokens need a private key")
        self.algorithm = algorithm
        self._secret = secret
        self._private_key = private_key
        self._public_key = public_key
        self.issuer = issuer
        self.audience = audience
        self.subject = subject
        self.ttl = ttl
        self._clock = clock

    @classmethod
    def hs256(cls, secret: str | None = None, **options: Any) -> TokenFactory:
        """HS256 with ``secret`` (a random 64-character one by default)."""
        return cls(algorithm="HS256", secret=secret or secrets.token_hex(32), **options)

    @classmethod
    def rs256(
        cls, private_key: str | None = None, public_key: str | None = None, **options: Any
    ) -> TokenFactory:
        """RS256 with the given PEM pair (a process-wide generated one by default)."""
        if private_key is None:
            private_key, public_key = rsa_key_pair()
        return cls(algorithm="RS256", private_key=private_key, public_key=public_key, **options)

    @classmethod
    def from_settings(cls, security: Any, **options: Any) -> TokenFactory:
        """Tokens a service configured with aurora-config's ``SecuritySettings`` accepts.

        Signs with ``jwt_secret`` for HS256, ``jwt_private_key`` otherwise, and
        copies ``jwt_issuer``/``jwt_audience``.
        """
        options.setdefault("issuer", security.jwt_issuer)
        options.setdefault("audience", security.jwt_audience)
        algorithm = str(security.jwt_algorithm)
        if algorithm == "HS256":
            if security.jwt_secret is None:
                raise ValueError("the security settings have no jwt_secret to sign with")
            return cls.hs256(security.jwt_secret.get_secret_value(), **options)
        if algorithm != "RS256":
            raise ValueError(f"TokenFactory signs HS256 and RS256 tokens, not {algorithm}")
        if security.jwt_private_key is None:
            raise ValueError("RS256 settings need a jwt_private_key to sign tokens with")
        private = security.jwt_private_key.get_secret_value()
        return cls.rs256(private, security.jwt_public_key, **options)

    @property
    def security(self) -> dict[str, Any]:
        """The ``security`` section of a ``ServiceConfig`` whose service accepts these tokens."""
        section: dict[str, Any] = {"jwt_algorithm": self.algorithm}
        if self.algorithm == "HS256":
            section["jwt_secret"] = self._secret
        else:
            section["jwt_public_key"] = self._public_key or _public_key_of(self._private_key)
        if self.issuer:
            section["jwt_issuer"] = self.issuer
        if self.audience:
            section["jwt_audience"] = self.audience
        return section

    def token(
        self,
        *scopes: str,
        subject: str | None = None,
        expires_in: float | None = None,
        **claims: Any,
    ) -> str:
        """A signed token granting ``scopes`` (the space-separated ``scope`` claim).

        Args:
            scopes: Granted scopes, e.g. ``"subjects:write"``.
            subject: ``sub``; the factory's default when omitted.
            expires_in: Seconds until ``exp`` (negative for an expired token).
            **claims: More claims, or overrides (``aud="other-service"``, ``exp=...``).
        """
        now = int(self._clock())
        payload: dict[str, Any] = {
            "sub": subject or self.subject,
            "iat": now,
            "exp": now + int(self.ttl if expires_in is None else expires_in),
            "scope": " ".join(scopes),
        }
        if self.issuer:
            payload["iss"] = self.issuer
        if self.audience:
            payload["aud"] = self.audience
        payload.update(claims)
        key = self._secret if self.algorithm == "HS256" else self._private_key
        assert key is not None  # checked in __init__
        return jwt.encode(payload, key, algorithm=self.algorithm)

    def headers(self, *scopes: str, **options: Any) -> dict[str, str]:
        """``{"Authorization": "Bearer <token>"}`` for :meth:`token`'s arguments."""
        return {"Authorization": f"Bearer {self.token(*scopes, **options)}"}

    def __repr__(self) -> str:
        return f"TokenFactory({self.algorithm}, issuer={self.issuer!r}, audience={self.audience!r})"


def _public_key_of(private_pem: str | None) -> str:
    assert private_pem is not None
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def claims_of(token: str) -> Mapping[str, Any]:
    """The claims of ``token``, unverified (to look at what a factory issued)."""
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded
