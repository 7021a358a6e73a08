"""error_for_response on responses built by hand (the live-server paths are in test_problems)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from aurora.errors import (
    AuroraError,
    BadRequestError,
    DeadlineExceededError,
    ServiceUnavailableError,
    UpstreamError,
)
from aurora.http import error_for_response


def response(status: int, **kwargs: Any) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", "http://s/x"), **kwargs)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (302, UpstreamError),
        (418, BadRequestError),
        (500, UpstreamError),
        (501, UpstreamError),
        (502, UpstreamError),
        (503, ServiceUnavailableError),
        (504, DeadlineExceededError),
    ],
)
def test_status_without_problem_maps_to_the_closest_error(
    status: int, cls: type[AuroraError]
) -> None:
    error = error_for_response("s", response(status, content=b"<html>"))
    assert type(error) is cls
    assert error.context["upstream_service"] == "s"
    assert error.context["upstream_status"] == status


def test_foreign_problem_without_code_maps_by_status() -> None:
    body = {"type": "https://example.com/out-of-credit", "title": "Out of credit", "status": 403}
    error = error_for_response(
        "s", response(403, json=body, headers={"content-type": "application/problem+json"})
    )
    assert error.code == "forbidden"


def test_problem_body_with_upstream_service_member_keeps_both_hops() -> None:
    body = {"status": 502, "title": "Bad Gateway", "code": "upstream_error", "service": "deeper"}
    error = error_for_response(
        "middle", response(502, json=body, headers={"content-type": "application/problem+json"})
    )
    assert (error.context["service"], error.context["upstream_service"]) == ("deeper", "middle")


def test_broken_problem_body_falls_back_to_status() -> None:
    error = error_for_response(
        "s", response(409, content=b"[1]", headers={"content-type": "application/problem+json"})
    )
    assert isinstance(error, AuroraError)
    assert error.status == 409
