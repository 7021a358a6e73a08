"""Optional dependencies behind a wheel's extras, and the one line that names them.

A lib keeps an integration (a Redis backend, a FastAPI dependency) behind an extra so
that users who don't need it don't install it. Using the integration without the extra
must say exactly what to run, not end in a bare ``ModuleNotFoundError`` deep inside.
Lives in aurora-errors because every lib that ships an extra stands on it.
"""

from __future__ import annotations

import importlib.util

__all__ = ["require_extra"]


def require_extra(module: str, *, distribution: str, extra: str, feature: str) -> None:
    """Raise ``ModuleNotFoundError`` naming the install command when ``module`` is missing.

    Args:
        module: The optional import, e.g. ``"redis"``.
        distribution: The wheel that declares the extra, e.g. ``"aurora-app"``.
        extra: The extra's name, e.g. ``"redis"``.
        feature: What needs it, for the message, e.g. ``"RedisRateLimitBackend"``.
    """
    top_level = module.partition(".")[0]
    if importlib.util.find_spec(top_level) is None:
        raise ModuleNotFoundError(
            f"{feature} needs {top_level}: pip install '{distribution}[{extra}]'",
            name=top_level,
        )
