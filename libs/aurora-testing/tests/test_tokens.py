"""TokenFactory: tokens a create_service app accepts, for a given set of scopes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import pytest
from fastapi import Depends
from testing_inner import run_inner

from aurora.app import CurrentPrincipal, Principal, Service, create_service, require_scopes
from aurora.config import ServiceConfig
from aurora.testing import FrozenClock, TokenFactory, assert_problem_response
from aurora.testing.clients import TestClient
from aurora.testing.tokens import claims_of


def scoped_service(security: dict[str, object]) -> Service:
    config = ServiceConfig.composed().model_validate(
        {"service": {"name": "subjects"}, "security": security}
    )
    service = create_service("subjects", config, configure_logging=False)

    @service.app.get("/me")
    async def me(principal: CurrentPrincipal) -> dict[str, object]:
        return {"subject": principal.subject, "scopes": sorted(principal.scopes)}

    @service.app.post("/subjects")
    async def create(
        principal: Annotated[Principal, Depends(require_scopes("subjects:write"))],
    ) -> dict[str, str]:
        return {"created_by": principal.subject}

    return service


@pytest.mark.parametrize("tokens", ["HS256", "RS256"], indirect=True)
def test_the_service_accepts_tokens_with_the_required_scopes(
    tokens: TokenFactory, app_client: Callable[..., TestClient]
) -> None:
    client = app_client(scoped_service(tokens.security))

    me = client.get("/me", headers=tokens.headers("subjects:read", "subjects:write", subject="ann"))
    created = client.post("/subjects", headers=tokens.headers("subjects:write"))

    assert me.json() == {"subject": "ann", "scopes": ["subjects:read", "subjects:write"]}
    assert created.json() == {"created_by": "test-user"}


@pytest.mark.parametrize("tokens", ["HS256", "RS256"], indirect=True)
def test_a_missing_scope_is_refused_with_403(
    tokens: TokenFactory, app_client: Callable[..., TestClient]
) -> None:
    client = app_client(scoped_service(tokens.security))

    denied = client.post("/subjects", headers=tokens.headers("subjects:read"))

    assert_problem_response(denied, status=403)
    assert 'error="insufficient_scope"' in denied.headers["www-authenticate"]


def test_expired_tokens_and_foreign_audiences_are_refused_with_401(
    app_client: Callable[..., TestClient],
) -> None:
    tokens = TokenFactory.hs256(issuer="https://id.example", audience="subjects")
    client = app_client(scoped_service(tokens.security))

    assert client.get("/me", headers=tokens.headers()).status_code == 200
    expired = client.get("/me", headers=tokens.headers(expires_in=-120))
    foreign = client.get("/me", headers=tokens.headers(aud="billing"))

    assert_problem_response(expired, status=401)
    assert "expired" in expired.headers["www-authenticate"]
    assert_problem_response(foreign, status=401)


def test_claims_follow_the_factory_settings_and_clock() -> None:
    clock = FrozenClock(start=1_800_000_000)
    tokens = TokenFactory.hs256(issuer="iss", audience="aud", ttl=60, clock=clock)

    claims = claims_of(tokens.token("a", "b", tenant="t1"))

    assert claims == {
        "sub": "test-user",
        "iat": 1_800_000_000,
        "exp": 1_800_000_060,
        "scope": "a b",
        "iss": "iss",
        "aud": "aud",
        "tenant": "t1",
    }


def test_from_settings_signs_with_the_service_configuration() -> None:
    secret = "x" * 40
    config = ServiceConfig.composed().model_validate(
        {"service": {"name": "subjects"}, "security": {"jwt_secret": secret, "jwt_audience": "s"}}
    )

    tokens = TokenFactory.from_settings(config.security)

    assert tokens.audience == "s"
    assert tokens.security["jwt_secret"] == secret


def test_rs256_settings_without_a_private_key_cannot_sign() -> None:
    config = ServiceConfig.composed().model_validate(
        {"service": {"name": "s"}, "security": {"jwt_algorithm": "RS256", "jwt_public_key": "k"}}
    )
    with pytest.raises(ValueError, match="jwt_private_key"):
        TokenFactory.from_settings(config.security)


def test_the_tokens_fixture_rejects_unsupported_algorithms(inner: pytest.Pytester) -> None:
    inner.makepyfile("""
        import pytest

        @pytest.mark.parametrize("tokens", ["ES256"], indirect=True)
        def test_it(tokens):
            pass
        """)
    result = run_inner(inner)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*supports HS256 and RS256, not 'ES256'*"])
