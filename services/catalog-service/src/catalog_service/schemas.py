"""What the catalog API returns, and what it reads from subject-service.

``Subject`` is this service's own view of subject-service's representation (never
an import of its code: services share contracts, not modules); unknown fields are
ignored so subject-service can grow without breaking the catalog.
"""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class Subject(BaseModel):
    """A subject as subject-service serves it and carries it in its events."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: UUID
    code: str
    name: str
    description: str | None = None
    version: int


class CatalogEntryRead(BaseModel):
    """A catalog entry as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    subject_id: UUID
    code: str
    name: str
    description: str | None
    subject_version: int
    created_at: datetime
    updated_at: datetime


class CatalogPage(BaseModel):
    """One page of ``GET /api/v1/catalog``; pass ``next_cursor`` as ``after`` for the next."""

    items: list[CatalogEntryRead]
    next_cursor: str | None


class CatalogSubject(BaseModel):
    """``GET /api/v1/catalog/subjects/{id}``: the live subject and the catalog's entry for it.

    ``entry`` is ``None`` until the subject's creation event has been consumed, and
    ``in_sync`` tells whether the entry has caught up with the live version.
    """

    subject: Subject
    entry: CatalogEntryRead | None
    in_sync: bool
