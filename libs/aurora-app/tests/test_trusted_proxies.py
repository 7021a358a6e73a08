"""Forwarded headers count only from the proxies the service names."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from serving import serving
from starlette.requests import Request

from aurora.app import AppSettings, Service
from aurora.config import ConfigError

MakeService = Callable[..., Service]


def _echo_client(service: Service) -> Service:
    @service.app.get("/whoami")
    async def whoami(request: Request) -> dict[str, str | None]:
        client = request.client
        return {"client": client.host if client else None, "scheme": request.url.scheme}

    return service


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_changes_nothing(
    make_service: MakeService,
) -> None:
    """The default trusts nobody, loopback included (uvicorn's own default trusts it)."""
    service = _echo_client(make_service())
    with serving(service) as url:
        response = httpx.get(
            url + "/whoami",
            headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
        )
    assert response.json() == {"client": "127.0.0.1", "scheme": "http"}


def test_a_trusted_proxy_gives_the_real_client(make_service: MakeService) -> None:
    service = _echo_client(make_service(trusted_proxies=("127.0.0.0/8", "10.0.0.0/8")))
    with serving(service) as url:
        response = httpx.get(
            url + "/whoami",
            headers={
                "X-Forwarded-For": "198.51.100.7, 203.0.113.9, 10.1.2.3",
                "X-Forwarded-Proto": "https",
            },
        )
    # Read right to left: 10.1.2.3 is one of ours, 203.0.113.9 is the first stranger.
    assert response.json() == {"client": "203.0.113.9", "scheme": "https"}


def test_a_forwarded_value_that_is_not_an_address_is_refused(make_service: MakeService) -> None:
    service = _echo_client(make_service(trusted_proxies=("127.0.0.1",)))
    with serving(service) as url:
        response = httpx.get(url + "/whoami", headers={"X-Forwarded-For": "evil"})
        beyond = httpx.get(url + "/whoami", headers={"X-Forwarded-For": "evil, 10.0.0.1"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    # Left of the first untrusted hop is the client's own text: never read, never refused.
    assert beyond.json()["client"] == "10.0.0.1"


def test_the_rate_limiter_counts_the_real_client(make_service: MakeService) -> None:
    service = _echo_client(
        make_service(rate_limit={"enabled": True, "limit": 2, "window_seconds": 60})
    )
    with serving(service) as url:
        statuses = [
            httpx.get(url + "/whoami", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
            for n in range(4)
        ]
    assert statuses == [200, 200, 429, 429]


@pytest.mark.parametrize("value", ["localhost", "10.0.0.0/33", "*"])
def test_trusted_proxies_must_be_addresses(value: str) -> None:
    with pytest.raises(ConfigError, match="not an IP address"):
        AppSettings(trusted_proxies=(value,))


def test_trusted_proxies_read_a_comma_separated_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AURORA_APP__TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.1")
    assert AppSettings().trusted_proxies == ("10.0.0.0/8", "192.168.1.1")
