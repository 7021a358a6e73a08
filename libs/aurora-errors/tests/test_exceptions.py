import pickle

import pytest

from aurora.errors import (
    AuroraError,
    BadRequestError,
    ConflictError,
    DeadlineExceededError,
    ForbiddenError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    ServiceUnavailableError,
    UnauthorizedError,
    UpstreamError,
    ValidationError,
)

ALL = [
    (AuroraError, 500, "internal_error"),
    (BadRequestError, 400, "bad_request"),
    (ValidationError, 422, "validation_failed"),
    (UnauthorizedError, 401, "unauthorized"),
    (ForbiddenError, 403, "forbidden"),
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (PayloadTooLargeError, 413, "payload_too_large"),
    (RateLimitedError, 429, "rate_limited"),
    (UpstreamError, 502, "upstream_error"),
    (ServiceUnavailableError, 503, "service_unavailable"),
    (DeadlineExceededError, 504, "deadline_exceeded"),
]


@pytest.mark.parametrize(("cls", "status", "code"), ALL)
def test_each_class_has_a_stable_code_and_status(cls, status, code):
    error = cls()
    assert (error.status, error.code) == (status, code)
    assert isinstance(error, AuroraError)
    assert error.title


def test_seed_not_found_names_resource_and_id():
    error = NotFoundError("Subject", "123")
    assert error.resource == "Subject"
    assert error.id == "123"
    assert error.detail == "Subject '123' not found"
    assert str(error) == "Subject '123' not found"


def test_not_found_is_a_lookup_error():
    with pytest.raises(LookupError):
        raise NotFoundError("Subject", 7)


def test_seed_validation_error_carries_details_as_pointers():
    error = ValidationError(
        "Invalid input",
        details=[
            {"field": "name", "message": "is required"},
            {"loc": ["body", "tags", 0], "msg": "bad"},
            "too many fields",
        ],
    )
    assert error.detail == "Invalid input"
    assert error.details == [
        {"pointer": "#/name", "detail": "is required"},
        {"pointer": "#/body/tags/0", "detail": "bad"},
        {"detail": "too many fields"},
    ]
    assert isinstance(error, ValueError)


def test_pointer_segments_are_escaped():
    error = ValidationError(details=[{"loc": ["a/b", "c~d"], "message": "x"}])
    assert error.errors[0]["pointer"] == "#/a~1b/c~0d"


def test_extra_field_error_members_are_kept():
    error = ValidationError(details=[{"pointer": "#/age", "detail": "too young", "code": "min"}])
    assert error.errors == [{"pointer": "#/age", "detail": "too young", "code": "min"}]


@pytest.mark.parametrize("cls", [RateLimitedError, ServiceUnavailableError])
def test_retryable_errors_carry_retry_after(cls):
    error = cls("slow down", retry_after=2.5)
    assert error.retry_after == 2.5
    assert cls().retry_after is None


def test_upstream_error_names_the_service():
    error = UpstreamError("bad gateway", service="subject-service", upstream_status=500)
    assert error.context == {"service": "subject-service", "upstream_status": 500}


def test_deadline_exceeded_is_a_timeout():
    assert isinstance(DeadlineExceededError(), TimeoutError)


def test_code_status_and_title_can_be_overridden_per_instance():
    error = ConflictError("stale", code="stale_version", title="Stale Version")
    assert (error.code, error.title, error.status) == ("stale_version", "Stale Version", 409)
    assert ConflictError().code == "conflict"


@pytest.mark.parametrize("cls", [cls for cls, _, _ in ALL])
def test_errors_survive_pickling(cls):
    error = cls.restore(detail="why", context={"resource": "Subject", "retry_after": 3})
    clone = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert type(clone) is cls
    assert (clone.detail, clone.code, clone.status, clone.context) == (
        error.detail,
        error.code,
        error.status,
        error.context,
    )


def test_repr_shows_code_and_status():
    assert (
        repr(NotFoundError("Subject", "1"))
        == "NotFoundError(code='not_found', status=404, detail=\"Subject '1' not found\")"
    )
