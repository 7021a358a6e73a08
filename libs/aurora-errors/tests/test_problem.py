import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora.errors import (
    PROBLEM_TYPE_PREFIX,
    AuroraError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    Problem,
    RateLimitedError,
    ServiceUnavailableError,
    ValidationError,
    error_from_problem,
    to_problem,
)


class TeapotError(AuroraError):
    code = "teapot"
    status = 418
    title = "I'm a teapot"


def test_not_found_becomes_an_rfc9457_body():
    problem = to_problem(
        NotFoundError("Subject", "123"), instance="/api/v1/subjects/123", correlation_id="c-1"
    )
    assert problem.to_dict() == {
        "type": PROBLEM_TYPE_PREFIX + "not_found",
        "title": "Not Found",
        "status": 404,
        "detail": "Subject '123' not found",
        "instance": "/api/v1/subjects/123",
        "code": "not_found",
        "correlation_id": "c-1",
        "resource": "Subject",
        "id": "123",
    }


def test_validation_problem_lists_errors():
    body = to_problem(
        ValidationError("Invalid input", details=[{"field": "name", "message": "required"}])
    ).to_dict()
    assert body["errors"] == [{"pointer": "#/name", "detail": "required"}]
    assert body["status"] == 422


@pytest.mark.parametrize(
    "error",
    [
        NotFoundError("Subject", "123"),
        ValidationError("Invalid input", details=[{"field": "name", "message": "required"}]),
        ConflictError("duplicate", context={"constraint": "uq_subjects_name"}),
        RateLimitedError(retry_after=4),
        ServiceUnavailableError("down", retry_after=1.5),
        TeapotError("short and stout"),
    ],
)
def test_a_problem_parses_back_into_the_same_typed_error(error):
    body = json.loads(json.dumps(to_problem(error, correlation_id="c-9").to_dict()))
    restored = error_from_problem(body)
    assert type(restored) is type(error)
    assert (restored.code, restored.status, restored.detail) == (
        error.code,
        error.status,
        error.detail,
    )
    assert restored.context == error.context
    assert restored.errors == error.errors


def test_restored_not_found_keeps_its_accessors():
    restored = error_from_problem(to_problem(NotFoundError("Subject", "9")).to_dict())
    assert isinstance(restored, NotFoundError)
    assert (restored.resource, restored.id) == ("Subject", "9")


def test_foreign_problem_maps_by_status():
    restored = error_from_problem(
        {"type": "https://example.org/out-of-credit", "title": "Out of credit", "status": 403}
    )
    assert restored.code == "forbidden"
    assert restored.title == "Out of credit"


def test_code_in_type_urn_is_used_when_code_member_is_missing():
    restored = error_from_problem({"type": PROBLEM_TYPE_PREFIX + "conflict", "status": 409})
    assert isinstance(restored, ConflictError)


def test_unknown_4xx_becomes_bad_request_and_5xx_internal():
    assert type(error_from_problem({"status": 418})) is BadRequestError
    assert type(error_from_problem({"status": 599})) is AuroraError


def test_http_status_fills_a_missing_status_member():
    assert error_from_problem({"title": "gone"}, status=404).status == 404


def test_problem_without_any_status_is_rejected():
    with pytest.raises(ValueError, match="status"):
        Problem.from_dict({"title": "no status"})


def test_members_of_the_wrong_type_are_ignored():
    problem = Problem.from_dict(
        {"status": 400, "title": 5, "detail": ["x"], "errors": "nope", "code": 1}
    )
    assert (problem.title, problem.detail, problem.errors, problem.code) == ("", None, (), None)


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))


@given(
    status=st.integers(min_value=400, max_value=599),
    detail=st.one_of(st.none(), st.text(max_size=40)),
    extensions=st.dictionaries(
        st.text(min_size=1, max_size=10).filter(
            lambda k: k
            not in {
                "type",
                "title",
                "status",
                "detail",
                "instance",
                "code",
                "correlation_id",
                "errors",
            }
        ),
        json_scalars,
        max_size=4,
    ),
)
def test_problem_dict_round_trip(status, detail, extensions):
    problem = Problem(status=status, title="t", detail=detail, code="x", extensions=extensions)
    assert Problem.from_dict(problem.to_dict()) == problem
