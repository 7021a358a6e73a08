"""Process-wide defaults, with ``configure()`` and ``reset_defaults()`` (structlog, stamina).

Two things are global because they must be shared without being passed around:
the default :class:`ClientRegistry` (one breaker and budget per service per
process) and whether backoff really sleeps. Both are created lazily, never at import.
"""

from __future__ import annotations

import threading

from aurora.http._backoff import enable_sleeps
from aurora.http._registry import ClientRegistry

__all__ = ["configure", "default_registry", "reset_defaults"]

_LOCK = threading.Lock()
_DEFAULT: ClientRegistry | None = None


def default_registry() -> ClientRegistry:
    """The registry clients use when none is passed; created on first use."""
    global _DEFAULT
    with _LOCK:
        if _DEFAULT is None:
            _DEFAULT = ClientRegistry()
        return _DEFAULT


def configure(
    *, registry: ClientRegistry | None = None, backoff_sleeps: bool | None = None
) -> None:
    """Replace process-wide defaults; arguments left as ``None`` are unchanged.

    Args:
        registry: The registry clients use when none is passed (say, one with
            ``critical`` services or a custom metrics registry).
        backoff_sleeps: ``False`` makes retries skip their waits (for tests;
            prefer the ``aurora.http.testing.disable_backoff()`` context manager).
    """
    global _DEFAULT
    if registry is not None:
        with _LOCK:
            _DEFAULT = registry
    if backoff_sleeps is not None:
        enable_sleeps(backoff_sleeps)


def reset_defaults() -> None:
    """Forget the default registry (without closing its clients) and re-enable sleeps."""
    global _DEFAULT
    with _LOCK:
        _DEFAULT = None
    enable_sleeps(True)
