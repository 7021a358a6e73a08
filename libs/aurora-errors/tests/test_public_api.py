import aurora.errors


def test_all_is_the_sorted_public_surface():
    expected = [
        "PROBLEM_CONTENT_TYPE",
        "PROBLEM_TYPE_PREFIX",
        "AuroraError",
        "BadRequestError",
        "ConflictError",
        "DeadlineExceededError",
        "FieldError",
        "ForbiddenError",
        "NotFoundError",
        "PayloadTooLargeError",
        "Problem",
        "RateLimitedError",
        "ServiceUnavailableError",
        "UnauthorizedError",
        "UpstreamError",
        "ValidationError",
        "error_class_for_code",
        "error_from_problem",
        "require_extra",
        "to_problem",
    ]
    assert aurora.errors.__all__ == expected
    assert sorted(expected, key=lambda n: (not n.isupper(), n)) == expected
    for name in expected:
        assert hasattr(aurora.errors, name)
