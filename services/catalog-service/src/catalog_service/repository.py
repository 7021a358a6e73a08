"""Data access for catalog entries: aurora.db's repository, typed for the model.

Queries specific to catalog entries belong here as methods, so routes and event
handlers never build SQL.
"""

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from aurora.db import AsyncBaseRepository

from catalog_service.models import CatalogEntry


class CatalogEntryRepository(AsyncBaseRepository[CatalogEntry]):
    """Add, get, page and delete catalog entries; find one by its subject."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, CatalogEntry)

    async def for_subject(self, subject_id: UUID) -> CatalogEntry | None:
        """The entry of ``subject_id``, if the catalog has one."""
        query = select(CatalogEntry).where(CatalogEntry.subject_id == subject_id)
        entry: CatalogEntry | None = await self.session.scalar(query)
        return entry
