"""Tracing is off unless configured, and the OTEL_* variables mean what the spec says."""

import pytest

from aurora.config import ConfigError
from aurora.telemetry import TracingSettings, build_sampler


def test_nothing_configured_means_tracing_off() -> None:
    assert TracingSettings.from_env({}).enabled is False


def test_a_base_endpoint_gets_the_traces_path() -> None:
    settings = TracingSettings.from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"})
    assert settings.enabled
    assert settings.endpoint == "http://collector:4318/v1/traces"


def test_the_traces_endpoint_is_used_as_given() -> None:
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://ignored:4318",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/custom",
    }
    assert TracingSettings.from_env(env).endpoint == "http://collector:4318/custom"


@pytest.mark.parametrize(
    "switch", [{"OTEL_SDK_DISABLED": "true"}, {"OTEL_TRACES_EXPORTER": "none"}]
)
def test_the_standard_switches_turn_it_off(switch: dict[str, str]) -> None:
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", **switch}
    assert TracingSettings.from_env(env).enabled is False


@pytest.mark.parametrize(
    ("sampler", "description"),
    [
        ("always_on", "AlwaysOnSampler"),
        ("always_off", "AlwaysOffSampler"),
        ("traceidratio", "TraceIdRatioBased{0.25}"),
        ("parentbased_traceidratio", "ParentBased{root:TraceIdRatioBased{0.25},"),
        ("parentbased_always_on", "ParentBased{root:AlwaysOnSampler,"),
    ],
)
def test_the_sampler_and_its_ratio_are_read(sampler: str, description: str) -> None:
    env = {"OTEL_TRACES_SAMPLER": sampler, "OTEL_TRACES_SAMPLER_ARG": "0.25"}
    assert build_sampler(TracingSettings.from_env(env)).get_description().startswith(description)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("OTEL_TRACES_SAMPLER", "sometimes"),
        ("OTEL_TRACES_SAMPLER_ARG", "1.5"),
        ("OTEL_TRACES_SAMPLER_ARG", "half"),
    ],
)
def test_bad_values_are_a_config_error_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        TracingSettings.from_env({variable: value})
