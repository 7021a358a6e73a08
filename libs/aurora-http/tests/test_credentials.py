"""Credential providers: client credentials against a real token endpoint, bearer, forwarding."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from token_endpoint import CLIENT_ID, CLIENT_SECRET, TokenEndpoint

from aurora.app import SecuritySettings
from aurora.http import (
    BearerToken,
    ClientCredentials,
    ClientRegistry,
    ForwardedToken,
    ServiceClient,
    SyncServiceClient,
    TokenEndpointError,
    propagation_context,
)
from aurora.testing.clock import FrozenClock
from aurora.testing.server import run_server


@pytest.fixture()
def idp() -> Iterator[tuple[TokenEndpoint, str]]:
    endpoint = TokenEndpoint()
    with run_server(endpoint.app) as url:
        yield endpoint, url


def credentials_for(url: str, clock: FrozenClock, **options: object) -> ClientCredentials:
    return ClientCredentials(
        token_url=url + "/token",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        clock=clock,
        **options,  # type: ignore[arg-type]
    )


async def test_concurrent_calls_share_one_token_fetch(
    idp: tuple[TokenEndpoint, str], clock: FrozenClock, registry: ClientRegistry
) -> None:
    endpoint, url = idp
    credentials = credentials_for(url, clock, scope=["orders:read"], audience="billing")
    async with ServiceClient("billing", url, credentials=credentials, registry=registry) as client:
        answers = await asyncio.gather(*(client.get_json("/resource") for _ in range(30)))

    assert endpoint.issued == ["token-1"]
    assert {answer["token"] for answer in answers} == {"token-1"}
    assert endpoint.forms == [
        {"grant_type": "client_credentials", "scope": "orders:read", "audience": "billing"}
    ]


async def test_the_token_is_refreshed_before_it_expires(
    idp: tuple[TokenEndpoint, str], clock: FrozenClock, registry: ClientRegistry
) -> None:
    endpoint, url = idp
    endpoint.expires_in = 120
    credentials = credentials_for(url, clock, refresh_margin=30)
    async with ServiceClient("billing", url, credentials=credentials, registry=registry) as client:
        await client.get("/resource")
        clock.advance(89)
        await client.get("/resource")
        assert endpoint.issued == ["token-1"]
        clock.advance(1)  # 30 s before expiry
        assert (await client.get_json("/resource"))["token"] == "token-2"


async def test_a_401_gets_one_refresh_and_one_retry(
    idp: tuple[TokenEndpoint, str], clock: FrozenClock, registry: ClientRegistry
) -> None:
    endpoint, url = idp
    credentials = credentials_for(url, clock)
    async with ServiceClient("billing", url, credentials=credentials, registry=registry) as client:
        await client.get("/resource")
        endpoint.revoked.add("token-1")
        assert (await client.get_json("/resource"))["token"] == "token-2"
        assert endpoint.resource_hits[1:] == ["Bearer token-1", "Bearer token-2"]

        endpoint.revoked.update({"token-2", "token-3"})
        response = await client.get("/resource")
    assert response.status_code == 401  # refreshed once, retried once, then given up
    assert endpoint.issued == ["token-1", "token-2", "token-3"]
    assert len(endpoint.resource_hits) == 5


async def test_a_still_valid_token_outlives_a_failed_refresh(
    clock: FrozenClock, registry: ClientRegistry
) -> None:
    endpoint = TokenEndpoint(expires_in=100)
    credentials = ClientCredentials(
        token_url="", client_id=CLIENT_ID, client_secret=CLIENT_SECRET, clock=clock
    )
    with run_server(endpoint.app) as url:
        credentials.token_url = url + "/token"
        assert await credentials.authorization() == "Bearer token-1"
    clock.advance(60)  # due for refresh, the endpoint is gone, the token still valid
    assert await credentials.authorization() == "Bearer token-1"
    clock.advance(40)
    with pytest.raises(TokenEndpointError, match="unreachable"):
        await credentials.authorization()


async def test_a_refused_client_never_sees_its_secret_in_the_error(
    idp: tuple[TokenEndpoint, str], clock: FrozenClock
) -> None:
    _, url = idp
    credentials = ClientCredentials(
        token_url=url + "/token", client_id=CLIENT_ID, client_secret="wrong-secret", clock=clock
    )
    with pytest.raises(TokenEndpointError) as caught:
        await credentials.authorization()

    assert str(caught.value) == "The token endpoint answered 401 (invalid_client)"
    assert "wrong-secret" not in repr(credentials) + repr(caught.value.__cause__)


def test_the_sync_client_uses_the_same_credentials(
    idp: tuple[TokenEndpoint, str], clock: FrozenClock, registry: ClientRegistry
) -> None:
    endpoint, url = idp
    credentials = credentials_for(url, clock)
    with SyncServiceClient("billing", url, credentials=credentials, registry=registry) as client:
        assert client.get_json("/resource")["token"] == "token-1"
        endpoint.revoked.add("token-1")
        assert client.get_json("/resource")["token"] == "token-2"


def test_credentials_come_from_the_security_settings() -> None:
    security = SecuritySettings.model_validate(
        {
            "oauth_token_url": "https://id.example/oauth/token",
            "oauth_client_id": "orders",
            "oauth_client_secret": "s3cret",
            "oauth_scope": "billing:write",
        }
    )
    credentials = ClientCredentials.from_settings(security, audience="https://billing")

    assert repr(credentials) == (
        "ClientCredentials(token_url='https://id.example/oauth/token', client_id='orders')"
    )


async def test_static_and_forwarded_tokens(
    idp: tuple[TokenEndpoint, str], registry: ClientRegistry
) -> None:
    endpoint, url = idp
    endpoint.issued.append("issued-elsewhere")
    static = ServiceClient(
        "billing", url, credentials=BearerToken("issued-elsewhere"), registry=registry
    )
    forwarding = ServiceClient("billing", url, credentials=ForwardedToken(), registry=registry)
    async with static, forwarding:
        assert (await static.get_json("/resource"))["token"] == "issued-elsewhere"
        with propagation_context({"Authorization": "Bearer issued-elsewhere"}):
            assert (await forwarding.get_json("/resource"))["token"] == "issued-elsewhere"
        assert (await forwarding.get("/resource")).status_code == 401  # nothing to forward
    assert repr(BearerToken("issued-elsewhere")) == "BearerToken('**********')"
