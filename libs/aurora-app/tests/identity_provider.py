"""A small OpenID provider on a real uvicorn server, signing with joserfc (not PyJWT).

It serves ``/.well-known/openid-configuration`` and ``/jwks``, counts the JWKS
fetches, rotates keys on demand and mints tokens, so the tests meet the
verifier the way a Keycloak or an Auth0 would, and an independent JOSE
implementation checks that PyJWT reads what others write.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import warnings
from typing import Any

from joserfc import jwk, jwt
from joserfc.errors import SecurityWarning
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from aurora.testing.server import LiveServer

AUDIENCE = "orders"


class IdentityProvider:
    """Keys by kid, a JWKS that can change mid-run, and a fetch counter."""

    def __init__(self, *, cache_control: str | None = None) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, jwk.Key] = {}
        self.cache_control = cache_control
        self.jwks_fetches = 0
        self.discovery_fetches = 0
        self._server = LiveServer(
            Starlette(
                routes=[
                    Route("/.well-known/openid-configuration", self._discovery),
                    Route("/jwks", self._jwks),
                ]
            )
        )
        self.url = ""

    def __enter__(self) -> IdentityProvider:
        self.url = self._server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Go away: connections to the provider's port are refused from now on."""
        self._server.stop()

    @property
    def issuer(self) -> str:
        return self.url

    @property
    def jwks_url(self) -> str:
        return self.url + "/jwks"

    def add_key(self, kid: str, kind: str = "RSA", *, alg: str | None = None) -> jwk.Key:
        """Publish a new signing key (RSA 2048, EC P-256/P-384 or Ed25519)."""
        parameters: Any = {"kid": kid, "use": "sig", **({"alg": alg} if alg else {})}
        key: jwk.Key
        if kind == "RSA":
            key = jwk.generate_key("RSA", 2048, parameters=parameters)
        elif kind == "P-256":
            key = jwk.generate_key("EC", "P-256", parameters=parameters)
        elif kind == "P-384":
            key = jwk.generate_key("EC", "P-384", parameters=parameters)
        else:
            key = jwk.generate_key("OKP", "Ed25519", parameters=parameters)
        with self._lock:
            self._keys[kid] = key
        return key

    def remove_key(self, kid: str) -> None:
        with self._lock:
            del self._keys[kid]

    def public_jwk(self, kid: str) -> dict[str, Any]:
        return dict(self._keys[kid].as_dict(private=False))

    def token(self, kid: str, alg: str = "RS256", **overrides: Any) -> str:
        """A token signed by key ``kid``; claim ``None`` values drop the claim."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": "ann",
            "iat": now,
            "exp": now + 300,
            "scope": "orders:read",
            **overrides,
        }
        claims = {name: value for name, value in claims.items() if value is not None}
        with warnings.catch_warnings():
            # RFC 9864 renames EdDSA to Ed25519; IdPs still publish "EdDSA" keys.
            warnings.simplefilter("ignore", SecurityWarning)
            return jwt.encode({"alg": alg, "kid": kid}, claims, self._keys[kid], algorithms=[alg])

    def _discovery(self, request: Request) -> JSONResponse:
        self.discovery_fetches += 1
        return JSONResponse({"issuer": self.issuer, "jwks_uri": self.jwks_url})

    def _jwks(self, request: Request) -> JSONResponse:
        with self._lock:
            self.jwks_fetches += 1
            keys = [key.as_dict(private=False) for key in self._keys.values()]
        headers = {"Cache-Control": self.cache_control} if self.cache_control else None
        return JSONResponse({"keys": keys}, headers=headers)


def unsigned(claims: dict[str, Any], **header: Any) -> str:
    """An ``alg=none`` token, which no JOSE library will willingly produce."""
    head = {"alg": "none", "typ": "JWT", **header}
    return f"{_b64(head)}.{_b64(claims)}."


def _b64(value: dict[str, Any]) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def hmac_signed(claims: dict[str, Any], secret: bytes, **header: Any) -> str:
    """An HS256 token keyed with ``secret``: the algorithm-confusion attack when it is a public key."""
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT', **header})}.{_b64(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
