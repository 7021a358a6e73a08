"""Keys from an identity provider: JWKS by kid, discovery, rotation, outages and attacks.

The provider is a real uvicorn server (``identity_provider.py``) and its tokens
are signed by joserfc, so PyJWT meets what an independent implementation wrote.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from fastapi import Depends
from identity_provider import AUDIENCE, IdentityProvider, hmac_signed, unsigned
from joserfc import jwk
from starlette.testclient import TestClient

from aurora.app import (
    CurrentPrincipal,
    InvalidTokenError,
    JwksKeySource,
    KeysUnavailableError,
    Service,
    TokenVerifier,
    require_roles,
)
from aurora.testing.clock import FrozenClock
from aurora.testing.server import free_port

MakeService = Callable[..., Service]


@pytest.fixture()
def idp() -> Iterator[IdentityProvider]:
    with IdentityProvider() as provider:
        provider.add_key("rsa-1", "RSA")
        provider.add_key("ec-1", "P-256")
        yield provider


@pytest.fixture()
def clock() -> FrozenClock:
    return FrozenClock()


def verifier_for(
    idp: IdentityProvider, clock: FrozenClock, *, discovery: bool = True, **options: Any
) -> TokenVerifier:
    urls = {"issuer_url": idp.issuer} if discovery else {"jwks_url": idp.jwks_url}
    keys = JwksKeySource(**urls, clock=clock, refetch_interval=30, cache_ttl=300, **options)
    return TokenVerifier(keys=keys, audience=AUDIENCE, issuer=None if discovery else idp.issuer)


@pytest.mark.parametrize(("kid", "alg"), [("rsa-1", "RS256"), ("ec-1", "ES256")])
async def test_tokens_verify_with_the_key_their_kid_names(
    idp: IdentityProvider, clock: FrozenClock, kid: str, alg: str
) -> None:
    verifier = verifier_for(idp, clock)
    principal = await verifier.averify(idp.token(kid, alg))
    assert principal.subject == "ann"
    assert principal.scopes == {"orders:read"}
    assert (idp.discovery_fetches, idp.jwks_fetches) == (1, 1)


@pytest.mark.parametrize(
    ("kind", "alg"), [("RSA", "PS256"), ("RSA", "RS512"), ("P-384", "ES384"), ("Ed25519", "EdDSA")]
)
async def test_every_asymmetric_family_verifies(
    idp: IdentityProvider, clock: FrozenClock, kind: str, alg: str
) -> None:
    idp.add_key("extra", kind, alg=alg if kind == "RSA" else None)
    verifier = verifier_for(idp, clock, discovery=False)
    assert (await verifier.averify(idp.token("extra", alg))).subject == "ann"


async def test_the_discovered_issuer_is_required(idp: IdentityProvider, clock: FrozenClock) -> None:
    verifier = verifier_for(idp, clock)
    with pytest.raises(InvalidTokenError, match="issuer is not trusted"):
        await verifier.averify(idp.token("rsa-1", iss="https://elsewhere.example"))


async def test_a_rotated_key_is_accepted_after_one_refetch(
    idp: IdentityProvider, clock: FrozenClock
) -> None:
    verifier = verifier_for(idp, clock)
    await verifier.averify(idp.token("rsa-1"))
    idp.add_key("rsa-2", "RSA")
    idp.remove_key("rsa-1")
    clock.advance(31)  # the previous fetch is older than the refetch interval

    assert (await verifier.averify(idp.token("rsa-2"))).subject == "ann"
    assert idp.jwks_fetches == 2


async def test_a_forged_kid_flood_fetches_at_most_once_per_interval(
    idp: IdentityProvider, clock: FrozenClock
) -> None:
    verifier = verifier_for(idp, clock)
    await verifier.averify(idp.token("rsa-1"))
    idp.add_key("forger", "RSA")
    forged = [idp.token("forger", kid_suffix=str(n)) for n in range(5)]
    idp.remove_key("forger")

    async def attempt(token: str) -> None:
        with pytest.raises(InvalidTokenError, match="signing key is unknown"):
            await verifier.averify(token)

    await asyncio.gather(*(attempt(forged[n % 5]) for n in range(200)))
    assert idp.jwks_fetches == 1  # within the interval of the first fetch: none at all
    clock.advance(31)
    await asyncio.gather(*(attempt(forged[n % 5]) for n in range(200)))
    assert idp.jwks_fetches == 2  # the next interval: one fetch, shared by every caller


async def test_with_the_provider_down_a_warm_cache_keeps_verifying(
    idp: IdentityProvider, clock: FrozenClock
) -> None:
    keys = JwksKeySource(jwks_url=idp.jwks_url, clock=clock, cache_ttl=300, max_stale=600)
    verifier = TokenVerifier(keys=keys, audience=AUDIENCE)
    token = idp.token("rsa-1", iss=None)
    await verifier.averify(token)
    idp.stop()
    clock.advance(301)  # stale: the refresh fails
    assert await keys.refetch()
    checks = {name: check for name, check, _ in keys.health_checks()}

    assert (await verifier.averify(token)).subject == "ann"
    assert (await checks["identity_keys"]())["state"] == "degraded"
    with pytest.raises(Exception, match="unreachable"):
        await checks["identity_provider"]()

    clock.advance(600)  # past max_stale: the keys are gone
    with pytest.raises(KeysUnavailableError):
        await verifier.averify(token)
    with pytest.raises(KeysUnavailableError):
        await checks["identity_keys"]()


async def test_unsigned_tokens_are_refused_without_a_fetch(
    idp: IdentityProvider, clock: FrozenClock
) -> None:
    verifier = verifier_for(idp, clock)
    claims = {"sub": "ann", "aud": AUDIENCE, "exp": int(time.time()) + 60}
    with pytest.raises(InvalidTokenError, match="algorithm is not accepted"):
        await verifier.averify(unsigned(claims, kid="rsa-1"))
    assert idp.jwks_fetches == 0


async def test_a_public_key_used_as_an_hmac_secret_is_refused(
    idp: IdentityProvider, clock: FrozenClock
) -> None:
    verifier = verifier_for(idp, clock)
    await verifier.averify(idp.token("rsa-1"))
    public = jwk.RSAKey.import_key(idp.public_jwk("rsa-1")).public_key
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    claims = {"sub": "ann", "iss": idp.issuer, "aud": AUDIENCE, "exp": int(time.time()) + 60}
    with pytest.raises(InvalidTokenError, match="algorithm is not accepted"):
        await verifier.averify(hmac_signed(claims, pem, kid="rsa-1"))


async def test_a_token_whose_alg_differs_from_its_key_is_refused(
    idp: IdentityProvider, clock: FrozenClock
) -> None:
    """An RSA key published for RS256 does not verify a PS256 token, whatever the token says."""
    verifier = verifier_for(idp, clock)
    with pytest.raises(InvalidTokenError, match="algorithm is not accepted"):
        await verifier.averify(idp.token("rsa-1", "PS256"))


@pytest.mark.parametrize(
    ("claims", "detail"),
    [
        ({"exp": "9999999999"}, "dates are not numbers"),
        ({"iat": "1"}, "dates are not numbers"),
        ({"aud": "billing"}, "not meant for this service"),
        ({"exp": int(time.time()) - 3600}, "has expired"),
        ({"exp": None}, "lacks a required claim"),
    ],
    ids=["string-exp", "string-iat", "foreign-aud", "expired", "no-exp"],
)
async def test_claims_are_checked(
    idp: IdentityProvider, clock: FrozenClock, claims: dict[str, Any], detail: str
) -> None:
    verifier = verifier_for(idp, clock)
    with pytest.raises(InvalidTokenError, match=detail):
        await verifier.averify(idp.token("rsa-1", **claims))


def test_a_service_configured_with_an_issuer_checks_roles(
    idp: IdentityProvider, make_service: MakeService
) -> None:
    security = {
        "oidc_issuer_url": idp.issuer,
        "jwt_audience": AUDIENCE,
        "jwt_roles_claim": "realm_access.roles",
    }
    service = make_service("orders", security=security)

    @service.app.get("/admin", dependencies=[Depends(require_roles("admin"))])
    async def admin(principal: CurrentPrincipal) -> dict[str, list[str]]:
        return {"roles": sorted(principal.roles)}

    admin_token = idp.token("ec-1", "ES256", realm_access={"roles": ["admin", "user"]})
    user_token = idp.token("ec-1", "ES256", realm_access={"roles": ["user"]})
    with TestClient(service.app) as client:
        allowed = client.get("/admin", headers={"Authorization": f"Bearer {admin_token}"})
        denied = client.get("/admin", headers={"Authorization": f"Bearer {user_token}"})
        ready = client.get("/health/ready")

    assert allowed.json() == {"roles": ["admin", "user"]}
    assert denied.status_code == 403
    assert denied.json()["required_roles"] == ["admin"]
    assert ready.status_code == 200


def test_start_up_does_not_wait_for_an_unreachable_provider(make_service: MakeService) -> None:
    security = {
        "oidc_issuer_url": f"http://127.0.0.1:{free_port()}",
        "jwt_audience": AUDIENCE,
        "jwks_fetch_timeout": 1.0,
    }
    service = make_service("orders", security=security)

    @service.app.get("/me")
    async def me(principal: CurrentPrincipal) -> str:
        return principal.subject

    started = time.monotonic()
    with TestClient(service.app) as client:
        assert time.monotonic() - started < 1.0
        ready = client.get("/health/ready")
        answer = client.get("/me", headers={"Authorization": "Bearer a.b.c"})
        token = unsigned({"sub": "x"}, alg="RS256", kid="k")
        unavailable = client.get("/me", headers={"Authorization": f"Bearer {token}"})

    assert ready.status_code == 503
    assert answer.status_code == 401
    assert unavailable.status_code == 503
    assert unavailable.json()["code"] == "signing_keys_unavailable"


async def test_cache_control_max_age_sets_the_freshness(clock: FrozenClock) -> None:
    with IdentityProvider(cache_control="public, max-age=600") as provider:
        provider.add_key("rsa-1", "RSA")
        keys = JwksKeySource(jwks_url=provider.jwks_url, clock=clock, cache_ttl=60)
        await keys.refetch()
    checks = {name: check for name, check, _ in keys.health_checks()}
    clock.advance(599)
    assert (await checks["identity_keys"]())["state"] == "fresh"
    clock.advance(2)
    assert (await checks["identity_keys"]())["state"] == "degraded"


async def test_the_keys_are_fetched_in_the_background_from_start_up(
    idp: IdentityProvider,
) -> None:
    keys = JwksKeySource(issuer_url=idp.issuer)
    await keys.start()
    try:
        for _ in range(200):
            if keys.available:
                break
            await asyncio.sleep(0.01)
    finally:
        await keys.aclose()
    assert keys.available
    assert (idp.discovery_fetches, idp.jwks_fetches) == (1, 1)
