"""The subjects API: read freely, write with a ``subjects:write`` token.

Errors need no handling here: the repository raises aurora.errors types (404 for a
missing id, 409 for a stale version or a duplicate code), aurora-app's security
dependency raises 401/403, and aurora-app turns them all into
``application/problem+json`` responses carrying the request's correlation id.
Every write stages its domain event in the same transaction (see ``events.py``).
"""

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query, status

from aurora.app import Principal, ServiceRouter, require_scopes
from aurora.db import ListQuery, list_query_dependency

from subject_service.database import DbReadSession, DbSession
from subject_service.events import Events, subject_created, subject_deleted, subject_updated
from subject_service.models import Subject
from subject_service.repository import SubjectRepository
from subject_service.schemas import SubjectCreate, SubjectPage, SubjectRead, SubjectUpdate

WRITE_SCOPE = "subjects:write"

router = ServiceRouter(prefix="/api/v1/subjects", tags=["subjects"])

Writer = Annotated[Principal, Depends(require_scopes(WRITE_SCOPE))]
"""The caller of a write: a valid bearer token granting ``subjects:write``."""

SubjectQuery = Annotated[
    ListQuery,
    Depends(
        list_query_dependency(
            Subject,
            filters={"code": ("eq", "in"), "created_at": ("ge", "lt")},
            search=("code", "name"),
            sort=("code", "name", "created_at"),
            max_limit=100,
        )
    ),
]
"""A listing's filters, order and page, from the query string (anything else is a 422)."""


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_subject(
    _: Writer, payload: SubjectCreate, session: DbSession, events: Events
) -> SubjectRead:
    """Create a subject; announces ``aurora.subject.created.v1``."""
    item = await SubjectRepository(session).add(Subject(**payload.model_dump()))
    result = SubjectRead.model_validate(item)
    events.stage(session, subject_created(result))
    return result


@router.get("")
async def list_subjects(session: DbReadSession, query: SubjectQuery) -> SubjectPage:
    """Page through subjects, filtered and sorted; keyset pages both ways, each costing the same.

    Without ``sort``, subjects come in creation order. Pass ``next_cursor`` as ``after``
    for the next page and ``prev_cursor`` as ``before`` for the previous one.
    """
    page = await SubjectRepository(session).page(query)
    items = [SubjectRead.model_validate(item) for item in page.items]
    return SubjectPage(items=items, next_cursor=page.next_cursor, prev_cursor=page.prev_cursor)


@router.get("/{subject_id}")
async def get_subject(subject_id: UUID, session: DbReadSession) -> SubjectRead:
    """Read one subject."""
    return SubjectRead.model_validate(await SubjectRepository(session).get(subject_id))


@router.patch("/{subject_id}")
async def update_subject(
    _: Writer, subject_id: UUID, payload: SubjectUpdate, session: DbSession, events: Events
) -> SubjectRead:
    """Change the fields given; with ``version``, only if nobody changed it meanwhile.

    Announces ``aurora.subject.updated.v1`` when a value actually changed.
    """
    subjects = SubjectRepository(session)
    current = await subjects.get(subject_id)
    before = SubjectRead.model_validate(current)
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    item = await subjects.update(current, changes, expected_version=payload.version)
    result = SubjectRead.model_validate(item)
    changed = [field for field in changes if getattr(before, field) != getattr(result, field)]
    if changed:
        events.stage(session, subject_updated(result, changed))
    return result


@router.delete("/{subject_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_subject(
    _: Writer,
    subject_id: UUID,
    session: DbSession,
    events: Events,
    version: Annotated[int | None, Query(ge=1, description="Delete only at this version")] = None,
) -> None:
    """Delete a subject; announces ``aurora.subject.deleted.v1``."""
    await SubjectRepository(session).delete(subject_id, expected_version=version)
    events.stage(session, subject_deleted(subject_id))
