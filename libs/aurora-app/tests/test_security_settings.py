"""Identity-provider and client-credential settings: what start-up refuses, in one line each."""

from __future__ import annotations

from typing import Any

import pytest

from aurora.config import ConfigError, ServiceConfig

IDP = {"jwks_url": "https://id.example/jwks", "jwt_audience": "orders"}


def load(**security: Any) -> ServiceConfig:
    return ServiceConfig.load("orders", environ={}, env_file=None, security=security)


@pytest.mark.parametrize(
    ("security", "variable", "message"),
    [
        ({"jwks_url": "http://id.example/jwks", "jwt_audience": "a"}, "JWKS_URL", "https://"),
        ({"jwks_url": "https://id.example/jwks"}, "JWT_AUDIENCE", "required with an identity"),
        ({**IDP, "oidc_issuer_url": "https://id.example"}, "OIDC_ISSUER_URL", "not both"),
        ({**IDP, "jwt_algorithms": "RS256,HS256"}, "JWT_ALGORITHMS", "HS* algorithms"),
        ({**IDP, "jwt_algorithms": "RS999"}, "JWT_ALGORITHMS", "'RS999' is not one of"),
        ({"oauth_token_url": "https://id.example/token"}, "OAUTH_CLIENT_ID", "required with"),
    ],
    ids=["plain-http", "no-audience", "both-sources", "hmac-with-idp", "unknown-alg", "no-client"],
)
def test_invalid_identity_configuration_names_the_variable(
    security: dict[str, Any], variable: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load(**security)
    first = caught.value.problems[0]
    assert first.variable == f"AURORA_SECURITY__{variable}"
    assert message in first.message
    assert "\n" not in str(first)


def test_an_issuer_on_loopback_may_use_http() -> None:
    security = load(
        oidc_issuer_url="http://127.0.0.1:8080/realms/x", jwt_audience="orders"
    ).security
    assert security.identity_provider == "http://127.0.0.1:8080/realms/x"
    assert security.jwt_required_claims == ["exp"]


def test_list_settings_accept_comma_separated_text() -> None:
    security = load(**IDP, jwt_algorithms="ES256, EdDSA", jwt_required_claims="exp,iat").security
    assert security.jwt_algorithms == ["ES256", "EdDSA"]
    assert security.jwt_required_claims == ["exp", "iat"]


def test_the_client_secret_is_a_secret() -> None:
    security = load(
        oauth_token_url="https://id.example/token",
        oauth_client_id="orders",
        oauth_client_secret="s3cret",
    ).security
    assert security.oauth_client_secret is not None
    assert "s3cret" not in repr(security)
