"""The public API can't grow or shrink by accident."""

import aurora.telemetry

EXPECTED = [
    "SAMPLERS",
    "EncodedSpan",
    "EncodedSpanExporter",
    "EncodingSpanProcessor",
    "ShutdownHooks",
    "Tracing",
    "TracingSettings",
    "build_resource",
    "build_sampler",
    "build_tracer_provider",
    "configure_tracing",
    "install_tracing",
]


def test_all_lists_exactly_the_public_names() -> None:
    assert aurora.telemetry.__all__ == EXPECTED


def test_every_public_name_is_importable() -> None:
    for name in EXPECTED:
        assert getattr(aurora.telemetry, name) is not None


def test_all_is_sorted_isort_style() -> None:
    """Constants first, then classes, then functions, each alphabetical (ruff RUF022)."""

    def kind(name: str) -> int:
        return 0 if name.isupper() else 1 if name[0].isupper() else 2

    assert sorted(EXPECTED, key=lambda name: (kind(name), name)) == EXPECTED
