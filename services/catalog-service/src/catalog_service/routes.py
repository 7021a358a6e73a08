"""The catalog API: the local listing, and a subject enriched over HTTP.

``GET /api/v1/catalog`` answers from the catalog's own table, so it keeps working
while subject-service is down. ``GET /api/v1/catalog/subjects/{id}`` asks
subject-service for the live subject (through the resilient client, see
``clients.py``) and sets it beside the catalog's entry; its errors need no
handling here: aurora-app renders them as ``application/problem+json`` with the
request's correlation id (404 stays 404, an open circuit is a 503 with ``Retry-After``).
"""

from typing import Annotated
from uuid import UUID

from fastapi import Query, Request

from aurora.app import ServiceRouter
from aurora.http import propagation_context

from catalog_service.clients import Upstreams
from catalog_service.database import DbSession
from catalog_service.repository import CatalogEntryRepository
from catalog_service.schemas import CatalogEntryRead, CatalogPage, CatalogSubject

router = ServiceRouter(prefix="/api/v1/catalog", tags=["catalog"])


@router.get("")
async def list_catalog(
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    after: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> CatalogPage:
    """Page through the catalog in subject code order (keyset pagination)."""
    page = await CatalogEntryRepository(session).paginate_keyset(
        after=after, limit=limit, order_by="code"
    )
    items = [CatalogEntryRead.model_validate(entry) for entry in page.items]
    return CatalogPage(items=items, next_cursor=page.next_cursor)


@router.get("/subjects/{subject_id}")
async def get_catalog_subject(
    subject_id: UUID, request: Request, session: DbSession, upstreams: Upstreams
) -> CatalogSubject:
    """The live subject from subject-service, with the catalog's entry for it."""
    # Pass the caller's trace context and remaining deadline on to subject-service.
    with propagation_context(request.headers):
        subject = await upstreams.subjects.get(subject_id)
    entry = await CatalogEntryRepository(session).for_subject(subject_id)
    read = CatalogEntryRead.model_validate(entry) if entry is not None else None
    in_sync = read is not None and read.subject_version == subject.version
    return CatalogSubject(subject=subject, entry=read, in_sync=in_sync)
