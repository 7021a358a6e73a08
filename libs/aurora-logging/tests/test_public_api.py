import aurora.logging
import aurora.logging.testing


def test_all_is_the_sorted_public_surface() -> None:
    expected = [
        "DEFAULT_REDACT_KEYS",
        "FORMAT_ENV_VAR",
        "REDACTED",
        "LineWriter",
        "LogFormat",
        "LoggingConfigError",
        "LoggingSettings",
        "bind_correlation_id",
        "correlation_id_var",
        "get_correlation_id",
        "get_logger",
        "log_event",
        "new_correlation_id",
        "reset_logging",
        "setup_logging",
    ]
    assert aurora.logging.__all__ == expected
    assert sorted(expected, key=lambda n: (not n.isupper(), n)) == expected
    for name in expected:
        assert hasattr(aurora.logging, name)


def test_testing_submodule_exports_capture_logs() -> None:
    assert aurora.logging.testing.__all__ == ["capture_logs"]
