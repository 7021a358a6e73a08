"""Where a token's verification key comes from: the key-source protocol and static keys.

A :class:`KeySource` answers "which key, with which algorithm, verifies a token
with this header?" from memory, without I/O, so verification stays synchronous
and cheap. Sources that fetch keys (:class:`~aurora.app.JwksKeySource`) also
refetch on an unknown ``kid``, run in the service's lifespan and report on
readiness; :class:`StaticKeys` does none of that.

The algorithm always comes from the key side (the configured algorithm of a
static key, the ``alg`` or ``kty``/``crv`` of a JWK), never from the token
alone: a token's ``alg`` only selects among keys the service already trusts for
that algorithm, so a public key can never be used as an HMAC secret (RFC 8725 §2.1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from jwt.algorithms import get_default_algorithms

from aurora.app._health import HealthCheckFn

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "HMAC_ALGORITHMS",
    "KeySource",
    "SigningKey",
    "StaticKeys",
]

HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")
ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA")
"""What an identity provider's keys may sign with unless an allow-list says otherwise."""
_ASYMMETRIC_PREFIXES = ("RS", "PS", "ES", "Ed")


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A verification key ready for PyJWT, and the one algorithm it verifies."""

    key: Any
    algorithm: str


class KeySource(Protocol):
    """Finds the key for a token header; fetching sources also refresh themselves."""

    @property
    def issuer(self) -> str | None:
        """An ``iss`` the source learned (OIDC discovery), or ``None``."""
        ...

    @property
    def algorithms(self) -> frozenset[str]:
        """The algorithms this source has keys for: nothing else is even looked up."""
        ...

    @property
    def available(self) -> bool:
        """Whether the source holds usable keys right now."""
        ...

    def key_for(self, header: Mapping[str, Any]) -> SigningKey | None:
        """The key the header names (by ``kid``, or by ``alg`` for static keys), from memory."""
        ...

    async def refetch(self) -> bool:
        """Fetch the keys again if the refetch interval allows; whether anything was fetched."""
        ...

    def health_checks(self) -> Iterable[tuple[str, HealthCheckFn, bool]]:
        """``(name, check, critical)`` for readiness."""
        ...

    async def start(self) -> None:
        """Begin background work (at service start-up; must not wait for the network)."""
        ...

    async def aclose(self) -> None:
        """Stop background work."""
        ...


class StaticKeys:
    """Keys from the environment: an HMAC secret and/or a PEM public key.

    Each algorithm gets the key of its own family, prepared once: parsing a PEM key
    per request would cost more than the signature check.

    Raises:
        ValueError: An algorithm is unsupported, or enabled without its key.
    """

    issuer = None
    available = True

    def __init__(
        self, *, secret: str | None, public_key: str | None, algorithms: Iterable[str]
    ) -> None:
        prepared: dict[str, SigningKey] = {}
        known = get_default_algorithms()
        for algorithm in algorithms:
            hmac = algorithm in HMAC_ALGORITHMS
            if (
                not hmac
                and not algorithm.startswith(_ASYMMETRIC_PREFIXES)
                or algorithm not in known
            ):
                raise ValueError(f"unsupported JWT algorithm {algorithm!r}")
            key = secret if hmac else public_key
            if not key:
                raise ValueError(
                    f"JWT algorithm {algorithm} is enabled but its key is not configured"
                )
            prepared[algorithm] = SigningKey(known[algorithm].prepare_key(key), algorithm)
        self._keys = prepared
        self.algorithms = frozenset(prepared)

    def key_for(self, header: Mapping[str, Any]) -> SigningKey | None:
        algorithm = header.get("alg")
        return self._keys.get(algorithm) if isinstance(algorithm, str) else None

    async def refetch(self) -> bool:
        return False

    def health_checks(self) -> Iterable[tuple[str, HealthCheckFn, bool]]:
        return ()

    async def start(self) -> None:
        return None

    async def aclose(self) -> None:
        return None
