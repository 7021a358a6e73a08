"""Contract tests: the service's OpenAPI document against its actual responses.

:func:`assert_openapi_contract` serves the app under uvicorn, loads its
``/openapi.json`` with schemathesis and, for every operation, sends a few
generated requests, valid ones and (``negative=True``) invalid ones. Each
response must pass schemathesis' default checks (no 5xx, a documented status,
content type, headers and body schema; invalid requests rejected), and every
error response must be an Aurora problem with a correlation id
(:func:`~aurora.testing.problems.assert_problem_response`)::

    def test_the_api_keeps_its_contract():
        assert_openapi_contract(build_service(), headers=tokens.headers("subjects:write"))

A service whose document can't say everything (an opaque cursor parameter that
any made-up value fails with 400) names what to accept per operation, and can
leave operations out::

    assert_openapi_contract(
        service,
        accept_statuses={"GET /api/v1/subjects": {400}},
        exclude_operations={"POST /api/v1/imports"},
    )

Generation is derandomized and small (``max_examples`` per operation and
mode), so the check is deterministic and takes seconds; failures name the
operation and give a ``curl`` line that reproduces them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.core.result import Err

from aurora.errors import PROBLEM_CONTENT_TYPE
from aurora.testing.clients import AppTarget, asgi_app
from aurora.testing.problems import assert_problem_response
from aurora.testing.server import run_server

__all__ = ["OPERATIONAL_PATHS", "ContractReport", "assert_openapi_contract"]

OPERATIONAL_PATHS: frozenset[str] = frozenset({"/health", "/health/live", "/health/ready", "/info"})
"""aurora-app's probes. Checked by default (aurora-app documents their health+json
answers and 503s); ``exclude_paths=OPERATIONAL_PATHS`` leaves them out."""


_HEALTH_CONTENT_TYPE = "application/health+json"


@dataclass(frozen=True, slots=True)
class ContractReport:
    """What a contract run exercised: per operation label, the statuses seen."""

    base_url: str
    statuses: Mapping[str, Counter[int]] = field(default_factory=dict)
    excluded: tuple[str, ...] = ()

    @property
    def operations(self) -> list[str]:
        """The operations that were called, e.g. ``"POST /subjects"``."""
        return sorted(self.statuses)

    @property
    def calls(self) -> int:
        """How many requests were sent in all."""
        return sum(sum(counter.values()) for counter in self.statuses.values())


def assert_openapi_contract(
    target: AppTarget | str,
    *,
    max_examples: int = 10,
    negative: bool = True,
    headers: Mapping[str, str] | None = None,
    exclude_paths: Iterable[str] = (),
    exclude_operations: Iterable[str] = (),
    accept_statuses: Mapping[str, Iterable[int]] | None = None,
    openapi_path: str = "/openapi.json",
) -> ContractReport:
    """Check that ``target`` answers the way its OpenAPI document says.

    Call it from a sync test: it blocks while the requests run.

    Args:
        target: A service or ASGI app (served on a free port for the check), or the
            base URL of one already running.
        max_examples: Requests per operation and generation mode.
        negative: Also send requests that violate the schema; they must be
            rejected with a 4xx problem.
        headers: Sent with every request (``tokens.headers("subjects:write")``).
        exclude_paths: Path templates not to exercise (``"/subjects/{subject_id}"``),
            every method of them.
        exclude_operations: Operations not to exercise, as ``"METHOD /path"`` labels
            (``"DELETE /subjects/{subject_id}"``).
        accept_statuses: Per operation label, statuses accepted although the document
            doesn't list them, for valid and invalid requests alike (``{"GET
            /subjects": {400}}`` when a made-up opaque cursor is rightly refused).
            Such a response skips schemathesis' checks; an error one must still be a
            problem response.
        openapi_path: Where the document is served.

    Returns:
        What was exercised, for further assertions.

    Raises:
        AssertionError: listing every operation that broke the contract.
    """
    __tracebackhide__ = True
    options: dict[str, Any] = {
        "max_examples": max_examples,
        "negative": negative,
        "headers": dict(headers or {}),
        "exclude_paths": frozenset(exclude_paths),
        "exclude_operations": frozenset(exclude_operations),
        "accept_statuses": {
            label: frozenset(statuses) for label, statuses in (accept_statuses or {}).items()
        },
        "openapi_path": openapi_path,
    }
    if isinstance(target, str):
        return _run(target.rstrip("/"), **options)
    with run_server(asgi_app(target)) as base_url:
        return _run(base_url, **options)


def _run(
    base_url: str,
    *,
    max_examples: int,
    negative: bool,
    headers: dict[str, str],
    exclude_paths: frozenset[str],
    exclude_operations: frozenset[str],
    accept_statuses: dict[str, frozenset[int]],
    openapi_path: str,
) -> ContractReport:
    __tracebackhide__ = True
    schema = schemathesis.openapi.from_url(base_url + openapi_path, headers=headers)
    modes = [GenerationMode.POSITIVE, *([GenerationMode.NEGATIVE] if negative else [])]
    statuses: dict[str, Counter[int]] = {}
    failures: list[str] = []
    excluded: list[str] = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            failures.append(f"invalid operation in the document: {result.err()}")
            continue
        operation = result.ok()
        if operation.path in exclude_paths or operation.label in exclude_operations:
            excluded.append(operation.label)
            continue
        seen = statuses.setdefault(operation.label, Counter())
        accepted = accept_statuses.get(operation.label, frozenset())
        for mode in modes:
            failure = _exercise(
                operation, mode, base_url, headers, max_examples, seen, accepted=accepted
            )
            if failure is not None:
                failures.append(f"{operation.label} ({mode.value} requests):\n{failure}")
    unknown = (exclude_operations | set(accept_statuses)) - {*statuses, *excluded}
    if unknown:
        failures.append(f"no such operation(s) in the document: {', '.join(sorted(unknown))}")
    if failures:
        raise AssertionError(
            f"{len(failures)} contract violation(s) at {base_url}:\n\n" + "\n\n".join(failures)
        )
    return ContractReport(base_url, statuses, tuple(excluded))


def _exercise(
    operation: APIOperation[Any, Any, Any, Any],
    mode: GenerationMode,
    base_url: str,
    headers: dict[str, str],
    max_examples: int,
    seen: Counter[int],
    *,
    accepted: frozenset[int],
) -> str | None:
    """Run one operation in one mode; the failure report, or ``None`` when it held."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,  # no .hypothesis directory in the test's working directory
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],  # shrinking would multiply the requests
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Case[Any]) -> None:
        response = case.call(base_url=base_url, headers=headers)
        seen[response.status_code] += 1
        if response.status_code not in accepted:
            case.validate_response(response, headers=headers)
        if response.status_code >= 400 and _documents_problem(operation, response.status_code):
            try:
                assert_problem_response(response)
            except AssertionError as error:
                curl = case.as_curl_command(headers=headers)
                raise AssertionError(f"{error}\n\nReproduce with:\n\n    {curl}") from None

    try:
        check()
    except Unsatisfiable:
        # Nothing invalid can be sent to an operation without inputs: nothing to check.
        return None if mode is GenerationMode.NEGATIVE else "no request could be generated"
    except (Exception, BaseExceptionGroup) as error:  # schemathesis reports a group
        return _describe(error)
    return None


def _documents_problem(operation: APIOperation[Any, Any, Any, Any], status: int) -> bool:
    """Whether an error with ``status`` must be a problem: always, but for a health report.

    aurora-app's probes document their 503 as ``application/health+json`` (the
    report of what failed), which is the one error body that isn't a problem.
    """
    responses = operation.definition.raw.get("responses") or {}
    documented = responses.get(str(status)) or {}
    content = documented.get("content") or {}
    return not (_HEALTH_CONTENT_TYPE in content and PROBLEM_CONTENT_TYPE not in content)


def _describe(error: BaseException) -> str:
    if isinstance(error, BaseExceptionGroup) and not str(error).strip().startswith("Schemathesis"):
        return "\n".join(_describe(each) for each in error.exceptions)
    return str(error).strip()
