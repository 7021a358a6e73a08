"""JWT bearer authentication and scopes: accepted tokens and every way to be rejected."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any

import jwt
import pytest
from fastapi import Depends
from starlette.testclient import TestClient

from aurora.app import CurrentPrincipal, Principal, Service, TokenVerifier, require_scopes

MakeService = Callable[..., Service]

HS_SECRET = "test-secret-that-is-long-enough-for-hs256!"

ISSUER = "https://auth.example.com"
AUDIENCE = "demo-service"
PROBLEM = "application/problem+json"


def claims(**overrides: Any) -> dict[str, Any]:
    # Parametrized tokens are built at collection time, which in a batched run can come
    # minutes before the test: validity windows are hours, not seconds.
    now = int(time.time())
    base = {
        "sub": "user-1",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 3600,
        "scope": "subjects:read",
    }
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def hs_token(**overrides: Any) -> str:
    return jwt.encode(claims(**overrides), HS_SECRET, algorithm="HS256")


def build(make_service: MakeService, **security: Any) -> TestClient:
    settings = {
        "jwt_secret": HS_SECRET,
        "jwt_issuer": ISSUER,
        "jwt_audience": AUDIENCE,
        "jwt_leeway": 5,
    }
    service = make_service(security={**settings, **security})
    app = service.app

    @app.get("/me")
    async def me(principal: CurrentPrincipal) -> dict[str, Any]:
        return {"subject": principal.subject, "scopes": sorted(principal.scopes)}

    @app.post("/subjects", dependencies=[Depends(require_scopes("subjects:write"))])
    async def create_subject() -> dict[str, bool]:
        return {"created": True}

    @app.delete("/subjects")
    async def delete_subjects(
        principal: Annotated[Principal, Depends(require_scopes("subjects:write", "admin"))],
    ) -> dict[str, str]:
        return {"by": principal.subject}

    return TestClient(app)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_valid_token_is_accepted(make_service: MakeService) -> None:
    response = build(make_service).get("/me", headers=bearer(hs_token()))
    assert response.status_code == 200
    assert response.json() == {"subject": "user-1", "scopes": ["subjects:read"]}


def test_missing_token_is_a_401_challenge_without_error_code(make_service: MakeService) -> None:
    response = build(make_service).get("/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"] == 'Bearer realm="demo-service"'
    assert response.json()["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("token", "detail"),
    [
        (hs_token(exp=int(time.time()) - 60), "The token has expired"),
        (hs_token(nbf=int(time.time()) + 3600), "The token is not yet valid"),
        (hs_token(aud="another-service"), "The token is not meant for this service"),
        (hs_token(iss="https://evil.example.com"), "The token issuer is not trusted"),
        (
            jwt.encode(claims(), "another-secret-that-is-long-enough-too!!", algorithm="HS256"),
            "The token signature is invalid",
        ),
        (hs_token(sub=None), "The token lacks a required claim"),
        ("not-a-jwt", "The token is malformed"),
        (
            jwt.encode(
                claims(),
                HS_SECRET + "-but-longer-for-hs512-keys-to-be-valid-length",
                algorithm="HS512",
            ),
            "The token algorithm is not accepted",
        ),
    ],
    ids=[
        "expired",
        "not-yet-valid",
        "wrong-audience",
        "wrong-issuer",
        "bad-signature",
        "no-subject",
        "malformed",
        "wrong-alg",
    ],
)
def test_invalid_tokens_are_rejected_with_invalid_token(
    make_service: MakeService, token: str, detail: str
) -> None:
    response = build(make_service).get("/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="demo-service", error="invalid_token"')
    assert response.json()["detail"] == detail
    assert token not in response.text


def test_unsigned_tokens_are_rejected(make_service: MakeService) -> None:
    token = jwt.encode(claims(), "", algorithm="none")
    assert build(make_service).get("/me", headers=bearer(token)).status_code == 401


def test_leeway_tolerates_small_clock_skew(make_service: MakeService) -> None:
    token = hs_token(exp=int(time.time()) - 2)
    assert build(make_service).get("/me", headers=bearer(token)).status_code == 200


def test_missing_scope_is_a_403_insufficient_scope(make_service: MakeService) -> None:
    response = build(make_service).post("/subjects", headers=bearer(hs_token()))
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"] == (
        'Bearer realm="demo-service", error="insufficient_scope", scope="subjects:write"'
    )
    assert response.json()["required_scopes"] == ["subjects:write"]


def test_granted_scope_passes(make_service: MakeService) -> None:
    token = hs_token(scope="subjects:read subjects:write")
    assert build(make_service).post("/subjects", headers=bearer(token)).json() == {"created": True}


def test_all_required_scopes_are_needed(make_service: MakeService) -> None:
    client = build(make_service)
    assert (
        client.delete("/subjects", headers=bearer(hs_token(scope="subjects:write"))).status_code
        == 403
    )
    both = hs_token(scp=["subjects:write", "admin"], scope=None)
    assert client.delete("/subjects", headers=bearer(both)).json() == {"by": "user-1"}


def test_rs256_tokens_verify_with_the_public_key(
    make_service: MakeService, rsa_keys: tuple[str, str]
) -> None:
    private, public = rsa_keys
    client = build(make_service, jwt_secret=None, jwt_algorithm="RS256", jwt_public_key=public)
    token = jwt.encode(claims(), private, algorithm="RS256")
    assert client.get("/me", headers=bearer(token)).json()["subject"] == "user-1"


def test_rs256_service_rejects_hmac_tokens(
    make_service: MakeService, rsa_keys: tuple[str, str]
) -> None:
    """The public key must never be usable as an HMAC secret (algorithm confusion)."""
    _, public = rsa_keys
    client = build(make_service, jwt_secret=None, jwt_algorithm="RS256", jwt_public_key=public)
    response = client.get("/me", headers=bearer(hs_token()))
    assert response.status_code == 401
    assert response.json()["detail"] == "The token algorithm is not accepted"


def test_rs256_token_signed_by_another_key_is_rejected(
    make_service: MakeService, rsa_keys: tuple[str, str]
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    _, public = rsa_keys
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    client = build(make_service, jwt_secret=None, jwt_algorithm="RS256", jwt_public_key=public)
    response = client.get("/me", headers=bearer(jwt.encode(claims(), other, algorithm="RS256")))
    assert response.json()["detail"] == "The token signature is invalid"


def test_both_families_when_both_keys_are_configured(
    make_service: MakeService, rsa_keys: tuple[str, str]
) -> None:
    private, public = rsa_keys
    client = build(make_service, jwt_public_key=public)
    assert client.get("/me", headers=bearer(hs_token())).status_code == 200
    assert (
        client.get(
            "/me", headers=bearer(jwt.encode(claims(), private, algorithm="RS256"))
        ).status_code
        == 200
    )


def test_auth_route_without_configured_keys_is_a_generic_500(make_service: MakeService) -> None:
    service = make_service()

    @service.app.get("/me")
    async def me(principal: CurrentPrincipal) -> str:
        return principal.subject

    response = TestClient(service.app).get("/me", headers=bearer(hs_token()))
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"


def test_verifier_needs_a_key() -> None:
    with pytest.raises(ValueError, match="needs a secret"):
        TokenVerifier()


def test_verifier_refuses_an_algorithm_without_its_key() -> None:
    with pytest.raises(ValueError, match="RS256"):
        TokenVerifier(secret=HS_SECRET, algorithms=["HS256", "RS256"])


def test_openapi_documents_bearer_auth_and_problems(make_service: MakeService) -> None:
    schema = build(make_service).get("/openapi.json").json()
    operation = schema["paths"]["/subjects"]["post"]
    assert operation["security"] == [{"HTTPBearer": []}]
    assert operation["responses"]["401"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }
    assert "403" in operation["responses"]


def test_without_an_audience_a_token_naming_one_is_refused(make_service: MakeService) -> None:
    """RFC 7519 §4.1.3: a token for another service is not accepted just because none is set."""
    client = build(make_service, jwt_audience=None)
    refused = client.get("/me", headers=bearer(hs_token(aud="another-service")))
    assert refused.status_code == 401
    assert refused.json()["detail"] == "The token is not meant for this service"
    assert client.get("/me", headers=bearer(hs_token(aud=None))).status_code == 200


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat"])
def test_date_claims_must_be_numbers(make_service: MakeService, claim: str) -> None:
    value = str(int(time.time()) + (3600 if claim == "exp" else -60))
    response = build(make_service).get("/me", headers=bearer(hs_token(**{claim: value})))
    assert response.status_code == 401
    assert response.json()["detail"] == "The token dates are not numbers"
