"""The catalog entries API: create, read, page through, update and delete.

Errors need no handling here: the repository raises aurora.errors types (404 for a
missing id, 409 for a stale version) and aurora-app turns them into
``application/problem+json`` responses carrying the request's correlation id.
"""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from catalog_service.database import DbSession
from catalog_service.events import publish_change
from catalog_service.models import CatalogEntry
from catalog_service.repository import CatalogEntryRepository
from catalog_service.schemas import (
    CatalogEntryCreate,
    CatalogEntryPage,
    CatalogEntryRead,
    CatalogEntryUpdate,
)

router = APIRouter(prefix="/api/v1/catalog-entries", tags=["catalog-entries"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_catalog_entry(payload: CatalogEntryCreate, session: DbSession) -> CatalogEntryRead:
    """Create a catalog entry."""
    item = await CatalogEntryRepository(session).add(CatalogEntry(**payload.model_dump()))
    result = CatalogEntryRead.model_validate(item)
    publish_change(session, "created", result)
    return result


@router.get("")
async def list_catalog_entries(
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    after: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> CatalogEntryPage:
    """Page through catalog entries, oldest first (keyset pagination: every page costs the same)."""
    page = await CatalogEntryRepository(session).paginate_keyset(after=after, limit=limit)
    items = [CatalogEntryRead.model_validate(item) for item in page.items]
    return CatalogEntryPage(items=items, next_cursor=page.next_cursor)


@router.get("/{item_id}")
async def get_catalog_entry(item_id: UUID, session: DbSession) -> CatalogEntryRead:
    """Read one catalog entry."""
    return CatalogEntryRead.model_validate(await CatalogEntryRepository(session).get(item_id))


@router.patch("/{item_id}")
async def update_catalog_entry(
    item_id: UUID, payload: CatalogEntryUpdate, session: DbSession
) -> CatalogEntryRead:
    """Change the fields given; with ``version``, only if nobody changed it meanwhile."""
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    item = await CatalogEntryRepository(session).update(
        item_id, changes, expected_version=payload.version
    )
    result = CatalogEntryRead.model_validate(item)
    publish_change(session, "updated", result)
    return result


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_catalog_entry(item_id: UUID, session: DbSession) -> None:
    """Delete a catalog entry."""
    item = await CatalogEntryRepository(session).delete(item_id)
    publish_change(session, "deleted", CatalogEntryRead.model_validate(item))
