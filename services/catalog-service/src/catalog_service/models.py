"""Catalog Service's tables, declared on aurora.db's ``Base``.

``catalog_entries`` is a local projection of subject-service's subjects, written
only by the event handlers in ``projection.py``: the catalog can list subjects
without calling subject-service, and keeps working while it is down. The mixins
give every row a UUIDv7 ``id``, UTC ``created_at``/``updated_at`` and a ``version``.
"""

import uuid

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aurora.db import Base, TimestampMixin, UUIDPrimaryKeyMixin, VersionedMixin
from aurora.events import include_event_tables

CODE_MAX_LENGTH = 32
NAME_MAX_LENGTH = 200


class CatalogEntry(UUIDPrimaryKeyMixin, TimestampMixin, VersionedMixin, Base):
    """One subject as the catalog last heard of it."""

    __tablename__ = "catalog_entries"

    subject_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    code: Mapped[str] = mapped_column(String(CODE_MAX_LENGTH))
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    description: Mapped[str | None] = mapped_column(Text(), default=None)
    # The subject's own version: an event older than what is stored changes nothing.
    subject_version: Mapped[int]


# aurora-events' inbox (and outbox) live in this database too, migrated with it.
include_event_tables(Base.metadata)

metadata = Base.metadata
"""Every table above: what Alembic compares the database with."""
