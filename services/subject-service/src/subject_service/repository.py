"""Data access for subjects: aurora.db's repository, typed for the model.

Queries specific to subjects belong here as methods, so routes never build SQL.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from aurora.db import AsyncBaseRepository, CursorPage, ListQuery

from subject_service.models import Subject


class SubjectRepository(AsyncBaseRepository[Subject]):
    """Add, get (404 when missing), page, update (409 on a stale version) and delete."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, Subject)

    async def page(self, query: ListQuery) -> CursorPage[Subject]:
        """One keyset page of ``query``; without a sort, creation order (the UUIDv7 key's)."""
        return await self.paginate_keyset(*query.filters, order_by=query.order_by, **query.page)
