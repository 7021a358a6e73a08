"""Pooled clients per service, endpoints from config, and the process defaults."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from http_upstream import Upstream
from prometheus_client import CollectorRegistry

from aurora.config import ServiceConfig
from aurora.errors import AuroraError
from aurora.http import (
    ClientRegistry,
    ServiceClient,
    SyncServiceClient,
    configure,
    default_registry,
    reset_defaults,
)


@pytest.fixture(autouse=True)
def _fresh_defaults() -> Iterator[None]:
    reset_defaults()
    yield
    reset_defaults()


async def test_one_pooled_client_per_service(upstream: Upstream, registry: ClientRegistry) -> None:
    first = registry.client("subjects", upstream.url)
    assert registry.client("subjects") is first
    assert registry.sync_client("subjects", upstream.url) is registry.sync_client("subjects")
    assert (await first.get("/x")).status_code == 200
    await registry.aclose_all()
    assert registry.client("subjects", upstream.url) is not first
    await registry.aclose_all()


async def test_aclose_all_closes_the_pools(upstream: Upstream, registry: ClientRegistry) -> None:
    client = registry.client("subjects", upstream.url)
    sync_client = registry.sync_client("subjects", upstream.url)
    await registry.aclose_all()
    with pytest.raises(RuntimeError):
        await client.get("/x")
    with pytest.raises(RuntimeError):
        sync_client.get("/x")


def test_base_url_comes_from_the_services_section_of_the_config(
    upstream: Upstream, registry: ClientRegistry
) -> None:
    config = ServiceConfig.load(
        "gateway", environ={"AURORA_SERVICES__SUBJECT_SERVICE__URL": upstream.url}
    )
    with SyncServiceClient("subject-service", registry=registry, config=config) as client:
        assert client.base_url == upstream.url
        assert client.get("/api/v1/subjects").status_code == 200


def test_without_a_config_the_environment_is_not_read(
    upstream: Upstream, registry: ClientRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AURORA_SERVICES__SUBJECT_SERVICE__URL", upstream.url)
    with pytest.raises(AuroraError, match="http_client_misconfigured|no URL"):
        ServiceClient("subject-service", registry=registry)


def test_missing_url_is_a_configuration_error(registry: ClientRegistry) -> None:
    with pytest.raises(AuroraError) as caught:
        ServiceClient("nowhere-service", registry=registry)
    assert caught.value.code == "http_client_misconfigured"
    assert "AURORA_SERVICES__NOWHERE_SERVICE__URL" in str(caught.value)


def test_clients_without_a_registry_share_the_default_one(upstream: Upstream) -> None:
    with SyncServiceClient("a", upstream.url) as one, SyncServiceClient("a", upstream.url) as two:
        assert one._pipeline is two._pipeline
        assert one._pipeline is default_registry().pipeline("a")


def test_configure_replaces_the_default_registry_and_reset_restores_it() -> None:
    mine = ClientRegistry(metrics_registry=CollectorRegistry())
    configure(registry=mine)
    assert default_registry() is mine
    reset_defaults()
    assert default_registry() is not mine


def test_invalid_url_is_a_configuration_error(registry: ClientRegistry) -> None:
    with (
        SyncServiceClient("s", "ftp://example.invalid", registry=registry) as client,
        pytest.raises(AuroraError) as caught,
    ):
        client.get("/x")
    assert caught.value.code == "http_client_misconfigured"
