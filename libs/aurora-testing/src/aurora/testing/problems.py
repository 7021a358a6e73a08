"""The error-response contract every Aurora service keeps, as one assertion.

Errors leave a service as RFC 9457 ``application/problem+json`` carrying the
request's correlation id (the house style's "Errors" rule). Asserting that in
each test by hand drifts; :func:`assert_problem_response` checks all of it and
returns the body, so the test goes on with what is specific to it::

    problem = assert_problem_response(client.get("/subjects/42"), status=404, code="not_found")
    assert problem["detail"] == "Subject 42 not found"

It accepts any response object with ``status_code``, ``headers`` and a JSON body:
httpx (and so Starlette's ``TestClient``), requests, and schemathesis'
responses, whose headers map names to lists of values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

from aurora.errors import PROBLEM_CONTENT_TYPE

__all__ = ["CORRELATION_HEADER", "ResponseLike", "assert_problem_response", "header_value"]

CORRELATION_HEADER = "x-request-id"
"""Where aurora-app echoes the correlation id (its default ``correlation_header``)."""


class ResponseLike(Protocol):
    """The part of an HTTP response the assertions read."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Any: ...

    @property
    def content(self) -> bytes: ...


def header_value(response: ResponseLike, name: str) -> str | None:
    """One header's value, whatever the client library's header type (case-insensitive)."""
    headers = response.headers
    wanted = name.lower()
    items = headers.items() if isinstance(headers, Mapping) or hasattr(headers, "items") else ()
    for key, value in items:
        if str(key).lower() == wanted:
            if isinstance(value, list | tuple):
                return str(value[0]) if value else None
            return str(value)
    return None


def assert_problem_response(
    response: ResponseLike,
    status: int | None = None,
    *,
    code: str | None = None,
    correlation_id: str | None = None,
    correlation_header: str = CORRELATION_HEADER,
) -> dict[str, Any]:
    """Assert ``response`` is a well-formed Aurora problem and return its body.

    Checks: a 4xx/5xx status (``status`` when given); ``Content-Type:
    application/problem+json``; a JSON object with ``type``, ``title`` and a
    ``status`` equal to the HTTP status; ``code`` when given; a non-empty
    ``correlation_id`` that equals the ``X-Request-ID`` header when the response
    has one, and ``correlation_id`` when given.

    Raises:
        AssertionError: naming every rule the response broke, with its body.
    """
    __tracebackhide__ = True
    body = _json_body(response)
    problems = _violations(response, body, status, code, correlation_id, correlation_header)
    if problems:
        shown = response.content[:1000].decode("utf-8", "replace")
        raise AssertionError(
            f"not a valid problem response ({'; '.join(problems)}): "
            f"HTTP {response.status_code} {shown}"
        )
    assert isinstance(body, dict)
    return body


def _violations(
    response: ResponseLike,
    body: Any,
    status: int | None,
    code: str | None,
    correlation_id: str | None,
    correlation_header: str,
) -> list[str]:
    problems: list[str] = []
    actual = response.status_code
    if status is not None and actual != status:
        problems.append(f"status {actual}, expected {status}")
    if not 400 <= actual <= 599:
        problems.append(f"status {actual} is not an error")
    media_type = (header_value(response, "content-type") or "").split(";")[0].strip().lower()
    if media_type != PROBLEM_CONTENT_TYPE:
        problems.append(
            f"content-type {media_type or 'missing'!r}, expected {PROBLEM_CONTENT_TYPE}"
        )
    if not isinstance(body, dict):
        problems.append("the body is not a JSON object")
        return problems
    problems.extend(_body_violations(body, actual, code))
    problems.extend(
        _correlation_violations(
            body, header_value(response, correlation_header), correlation_id, correlation_header
        )
    )
    return problems


def _body_violations(body: dict[str, Any], actual: int, code: str | None) -> list[str]:
    problems = [f"no {key!r} member" for key in ("type", "title") if not body.get(key)]
    if body.get("status") != actual:
        problems.append(f"body status {body.get('status')!r} differs from HTTP status {actual}")
    if code is not None and body.get("code") != code:
        problems.append(f"code {body.get('code')!r}, expected {code!r}")
    return problems


def _correlation_violations(
    body: dict[str, Any], echoed: str | None, expected: str | None, header: str
) -> list[str]:
    found = body.get("correlation_id")
    if not isinstance(found, str) or not found:
        return ["no correlation_id member"]
    problems = []
    if echoed is not None and echoed != found:
        problems.append(f"correlation_id {found!r} differs from the {header} header {echoed!r}")
    if expected is not None and found != expected:
        problems.append(f"correlation_id {found!r}, expected {expected!r}")
    return problems


def _json_body(response: ResponseLike) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None
