"""Data access for subjects: aurora.db's repository, typed for the model.

Queries specific to subjects belong here as methods, so routes never build SQL.
"""

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from aurora.db import AsyncBaseRepository, CursorPage

from subject_service.models import Subject

SortKey = Literal["created", "code", "name"]
"""Orderings a listing offers; each gets its own (signed) cursors."""

_ORDER_BY: dict[SortKey, str | None] = {"created": None, "code": "code", "name": "name"}


class SubjectRepository(AsyncBaseRepository[Subject]):
    """Add, get (404 when missing), page, update (409 on a stale version) and delete."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, Subject)

    async def page(self, *, sort: SortKey, limit: int, after: str | None) -> CursorPage[Subject]:
        """One keyset page in ``sort`` order; ``created`` is the UUIDv7 key's own order."""
        return await self.paginate_keyset(after=after, limit=limit, order_by=_ORDER_BY[sort])
