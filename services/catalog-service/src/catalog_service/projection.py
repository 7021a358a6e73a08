"""Keeping ``catalog_entries`` in step with subject-service's events.

Each handler gets the event and the transaction its writes must go in (the inbox's,
see ``events.py``): the entry changes and the inbox records the event in one
commit, so a redelivered event is skipped and a failed one leaves no trace.
Events of one subject arrive in commit order, but a replay or a second relay may
repeat an old one: ``subject_version`` makes a stale event a no-op.
"""

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from aurora.events import Event, SubjectCreated, SubjectDeleted, SubjectUpdated
from aurora.logging import get_logger

from catalog_service.models import CatalogEntry
from catalog_service.repository import CatalogEntryRepository
from catalog_service.schemas import Subject

_log = get_logger("catalog_service.projection")


async def apply_subject(session: AsyncSession, subject: Subject) -> CatalogEntry | None:
    """Create or update the entry of ``subject``; ``None`` when the entry is already newer."""
    entries = CatalogEntryRepository(session)
    entry = await entries.for_subject(subject.id)
    if entry is None:
        return await entries.add(
            CatalogEntry(
                subject_id=subject.id,
                code=subject.code,
                name=subject.name,
                description=subject.description,
                subject_version=subject.version,
            )
        )
    if entry.subject_version >= subject.version:
        return None
    changes = {
        "code": subject.code,
        "name": subject.name,
        "description": subject.description,
        "subject_version": subject.version,
    }
    return await entries.update(entry, changes)


async def remove_subject(session: AsyncSession, subject_id: UUID) -> bool:
    """Drop the entry of ``subject_id``; ``False`` when there was none."""
    entries = CatalogEntryRepository(session)
    entry = await entries.for_subject(subject_id)
    if entry is None:
        return False
    await entries.delete(entry)
    return True


async def on_subject_created(event: Event, session: AsyncSession) -> None:
    """``aurora.subject.created.v1``: list the new subject."""
    payload = event.payload_as(SubjectCreated)
    await _apply(session, event, payload.subject_data)


async def on_subject_updated(event: Event, session: AsyncSession) -> None:
    """``aurora.subject.updated.v1``: take the new state, unless the entry is newer."""
    payload = event.payload_as(SubjectUpdated)
    await _apply(session, event, payload.subject_data)


async def on_subject_deleted(event: Event, session: AsyncSession) -> None:
    """``aurora.subject.deleted.v1``: unlist it."""
    payload = event.payload_as(SubjectDeleted)
    removed = await remove_subject(session, UUID(payload.subject_id))
    _log.info("catalog_entry_removed", subject_id=payload.subject_id, existed=removed)


async def _apply(session: AsyncSession, event: Event, subject_data: dict[str, object]) -> None:
    subject = Subject.model_validate(subject_data)
    entry = await apply_subject(session, subject)
    _log.info(
        "catalog_entry_applied" if entry is not None else "catalog_entry_stale_event_skipped",
        subject_id=str(subject.id),
        subject_version=subject.version,
        event_id=event.id,
    )
