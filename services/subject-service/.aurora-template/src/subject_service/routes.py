"""The subjects API: create, read, page through, update and delete.

Errors need no handling here: the repository raises aurora.errors types (404 for a
missing id, 409 for a stale version) and aurora-app turns them into
``application/problem+json`` responses carrying the request's correlation id.
"""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from subject_service.database import DbSession
from subject_service.events import publish_change
from subject_service.models import Subject
from subject_service.repository import SubjectRepository
from subject_service.schemas import SubjectCreate, SubjectPage, SubjectRead, SubjectUpdate

router = APIRouter(prefix="/api/v1/subjects", tags=["subjects"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_subject(payload: SubjectCreate, session: DbSession) -> SubjectRead:
    """Create a subject."""
    item = await SubjectRepository(session).add(Subject(**payload.model_dump()))
    result = SubjectRead.model_validate(item)
    publish_change(session, "created", result)
    return result


@router.get("")
async def list_subjects(
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    after: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> SubjectPage:
    """Page through subjects, oldest first (keyset pagination: every page costs the same)."""
    page = await SubjectRepository(session).paginate_keyset(after=after, limit=limit)
    items = [SubjectRead.model_validate(item) for item in page.items]
    return SubjectPage(items=items, next_cursor=page.next_cursor)


@router.get("/{item_id}")
async def get_subject(item_id: UUID, session: DbSession) -> SubjectRead:
    """Read one subject."""
    return SubjectRead.model_validate(await SubjectRepository(session).get(item_id))


@router.patch("/{item_id}")
async def update_subject(item_id: UUID, payload: SubjectUpdate, session: DbSession) -> SubjectRead:
    """Change the fields given; with ``version``, only if nobody changed it meanwhile."""
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    item = await SubjectRepository(session).update(
        item_id, changes, expected_version=payload.version
    )
    result = SubjectRead.model_validate(item)
    publish_change(session, "updated", result)
    return result


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_subject(item_id: UUID, session: DbSession) -> None:
    """Delete a subject."""
    item = await SubjectRepository(session).delete(item_id)
    publish_change(session, "deleted", SubjectRead.model_validate(item))
