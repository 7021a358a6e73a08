"""Data access for catalog entries: aurora.db's repository, typed for the model.

Queries specific to catalog entries belong here as methods, so routes
never build SQL.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from aurora.db import AsyncBaseRepository

from catalog_service.models import CatalogEntry


class CatalogEntryRepository(AsyncBaseRepository[CatalogEntry]):
    """Add, get (404 when missing), page, update (409 on a stale version) and delete."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, CatalogEntry)
