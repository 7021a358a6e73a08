"""Repositories: one operation core (``_core``), run by a sync and an async driver."""

from aurora.db._repository._async import AsyncBaseRepository
from aurora.db._repository._base import CURSOR_KEY_INFO
from aurora.db._repository._sync import BaseRepository

__all__ = ["CURSOR_KEY_INFO", "AsyncBaseRepository", "BaseRepository"]
