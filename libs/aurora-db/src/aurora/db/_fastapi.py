"""The one gate to FastAPI, which aurora-db ships behind its ``aurora-db[fastapi]`` extra.

Scripts, workers and the migrations CLI use aurora-db without a web framework, so
FastAPI is optional. Every module that integrates with FastAPI calls
:func:`require_fastapi` before importing it, which turns a missing install into one
line naming the extra.
"""

from __future__ import annotations

from aurora.errors import require_extra

__all__ = ["require_fastapi"]


def require_fastapi(feature: str) -> None:
    """Fail with ``pip install 'aurora-db[fastapi]'`` when FastAPI is not installed."""
    require_extra("fastapi", distribution="aurora-db", extra="fastapi", feature=feature)
