"""``Service`` is the ``ServiceHooks`` that aurora-db, aurora-http and aurora-events install into."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.testclient import TestClient

from aurora.app import HealthCheck, Service
from aurora.utils import ServiceHooks

MakeService = Callable[..., Service]


def install_thing(hooks: ServiceHooks, events: list[str]) -> None:
    """What a lib's install call does, through the protocol only."""

    async def check() -> Mapping[str, Any]:
        return {"thing": "ok"}

    hooks.on_startup(lambda: events.append("open"))
    hooks.on_shutdown(lambda: events.append("close"))
    hooks.add_health_check("thing", check, critical=False)


def test_a_service_runs_what_a_lib_installs_through_the_hooks(make_service: MakeService) -> None:
    service = make_service()
    events: list[str] = []

    install_thing(service, events)
    with TestClient(service.app) as client:
        body = client.get("/health").json()

    assert events == ["open", "close"]
    assert body["checks"]["thing"][0]["status"] == "pass"


def test_the_app_health_check_type_is_the_one_every_lib_builds() -> None:
    import aurora.utils

    assert HealthCheck is aurora.utils.HealthCheck
