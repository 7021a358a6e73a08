import aurora.utils


def test_all_is_the_sorted_public_surface() -> None:
    expected = [
        "CircuitBreaker",
        "CircuitOpenError",
        "CircuitState",
        "HealthCheck",
        "Hook",
        "ServiceHooks",
        "StateListener",
        "UUID7Generator",
        "acting_as",
        "current_actor",
        "generate_uuid",
        "generate_uuid7",
        "sanitize_filename",
        "set_current_actor",
        "slugify",
        "to_camel_case",
        "to_kebab_case",
        "to_pascal_case",
        "to_snake_case",
        "truncate",
        "uuid7",
        "validate_email",
        "validate_phone",
        "validate_slug",
        "validate_url",
    ]
    assert aurora.utils.__all__ == expected
    assert sorted(expected, key=lambda n: (not n[0].isupper(), n)) == expected
    for name in expected:
        assert hasattr(aurora.utils, name)


def test_seed_example_runs_as_written() -> None:
    """The seed's usage block, with the ``aurora.utils`` import."""
    from aurora.utils import CircuitBreaker, generate_uuid, sanitize_filename

    def some_function(arg1: str, arg2: str) -> tuple[str, str]:
        return (arg1, arg2)

    id = generate_uuid()  # the seed's spelling
    safe_name = sanitize_filename("my file.pdf")
    breaker = CircuitBreaker()
    result = breaker.call(some_function, "a", "b")

    assert len(id) == 36
    assert safe_name == "my_file.pdf"
    assert result == ("a", "b")
