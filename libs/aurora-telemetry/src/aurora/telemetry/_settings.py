"""Whether and how a service traces, read from the standard ``OTEL_*`` variables.

OpenTelemetry defines these names for every language and every collector-side
tool, so Aurora reads them as they are (no ``AURORA_`` prefix) and only the few
that decide whether tracing is on and how it samples; the SDK and the OTLP
exporter read the rest themselves (``OTEL_EXPORTER_OTLP_HEADERS``, ``_TIMEOUT``,
``OTEL_BSP_*``, ``OTEL_RESOURCE_ATTRIBUTES``). A frozen dataclass rather than an
aurora-config section: those sections reject variables they don't declare, and
the ``OTEL_`` namespace is the SDK's, not ours.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from aurora.config import ConfigError, ConfigProblem

__all__ = ["SAMPLERS", "TracingSettings"]

SAMPLERS = frozenset(
    {
        "always_on",
        "always_off",
        "traceidratio",
        "parentbased_always_on",
        "parentbased_always_off",
        "parentbased_traceidratio",
    }
)
"""The ``OTEL_TRACES_SAMPLER`` values the SDK has built in."""

_TRUE = frozenset({"true", "1", "yes", "on"})


@dataclass(frozen=True, slots=True)
class TracingSettings:
    """The tracing switches of one process.

    Tracing is on only when an OTLP endpoint is given and neither
    ``OTEL_SDK_DISABLED=true`` nor ``OTEL_TRACES_EXPORTER=none`` turns it off, so a
    service that nobody pointed at a collector pays nothing.
    """

    endpoint: str | None = None
    """Where spans are posted: ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` as given, else
    ``OTEL_EXPORTER_OTLP_ENDPOINT`` (a base URL) plus ``/v1/traces``, as the OTLP spec says."""
    service_name: str | None = None
    """``OTEL_SERVICE_NAME``; the service's own name when unset."""
    sampler: str = "parentbased_always_on"
    """``OTEL_TRACES_SAMPLER``, one of :data:`SAMPLERS`."""
    sampler_arg: float = 1.0
    """``OTEL_TRACES_SAMPLER_ARG``: the ratio for the ``traceidratio`` samplers."""
    disabled: bool = False
    """``OTEL_SDK_DISABLED=true`` or ``OTEL_TRACES_EXPORTER=none``."""

    @property
    def enabled(self) -> bool:
        """Whether spans are recorded and exported."""
        return self.endpoint is not None and not self.disabled

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TracingSettings:
        """Read the variables (``os.environ`` by default).

        Raises:
            ConfigError: An unknown sampler, or a ratio that is not a number in [0, 1].
        """
        env = os.environ if environ is None else environ
        endpoint = _get(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        base = _get(env, "OTEL_EXPORTER_OTLP_ENDPOINT")
        if endpoint is None and base is not None:
            endpoint = base.rstrip("/") + "/v1/traces"
        exporter = (_get(env, "OTEL_TRACES_EXPORTER") or "otlp").lower()
        return cls(
            endpoint=endpoint,
            service_name=_get(env, "OTEL_SERVICE_NAME"),
            sampler=_sampler(env),
            sampler_arg=_ratio(env),
            disabled=(_get(env, "OTEL_SDK_DISABLED") or "").lower() in _TRUE or exporter == "none",
        )


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _sampler(env: Mapping[str, str]) -> str:
    value = (_get(env, "OTEL_TRACES_SAMPLER") or "parentbased_always_on").lower()
    if value not in SAMPLERS:
        raise _invalid("OTEL_TRACES_SAMPLER", f"must be one of {', '.join(sorted(SAMPLERS))}")
    return value


def _ratio(env: Mapping[str, str]) -> float:
    raw = _get(env, "OTEL_TRACES_SAMPLER_ARG")
    if raw is None:
        return 1.0
    try:
        ratio = float(raw)
    except ValueError:
        ratio = -1.0
    if not 0.0 <= ratio <= 1.0:
        raise _invalid("OTEL_TRACES_SAMPLER_ARG", "must be a number between 0 and 1")
    return ratio


def _invalid(variable: str, message: str) -> ConfigError:
    return ConfigError(
        "Invalid tracing settings:", [ConfigProblem(variable=variable, message=message)]
    )
