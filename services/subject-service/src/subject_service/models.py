"""Subject Service's tables, declared on aurora.db's ``Base``.

The mixins give every row a UUIDv7 ``id``, UTC ``created_at``/``updated_at`` set by
the database, and a ``version`` for optimistic locking. Change a model, then add a
migration: ``python -m aurora.db migrate subject-service revision -m "..."`` (see README).
"""

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aurora.db import Base, TimestampMixin, UUIDPrimaryKeyMixin, VersionedMixin
from aurora.events import include_event_tables

CODE_MAX_LENGTH = 32
NAME_MAX_LENGTH = 200


class Subject(UUIDPrimaryKeyMixin, TimestampMixin, VersionedMixin, Base):
    """A subject taught somewhere: its stable ``code`` is how people refer to it."""

    __tablename__ = "subjects"

    # Unique, so a duplicate is a 409 `unique_violation` problem naming uq_subjects_code.
    code: Mapped[str] = mapped_column(String(CODE_MAX_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    description: Mapped[str | None] = mapped_column(Text(), default=None)


# aurora-events' outbox and inbox live in this database too, migrated with it.
include_event_tables(Base.metadata)

metadata = Base.metadata
"""Every table above: what Alembic compares the database with."""
