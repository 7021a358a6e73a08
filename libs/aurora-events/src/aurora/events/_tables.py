"""The outbox and inbox tables, on aurora-events' own SQLAlchemy metadata.

They live on their own ``MetaData`` (not a service's ``Base``) so that any service
can write to them through its ordinary session: SQLAlchemy sessions are not tied to
a declarative base. A service puts them in its migrations either by passing both
metadatas to Alembic (``target_metadata = [Base.metadata, events_metadata]``) or by
copying them onto its own with :func:`include_event_tables`.

The outbox follows Debezium's outbox table (aggregate, type, payload) plus the
target stream and ``published_at``: published rows are kept (marked, not deleted)
for a retention window, so events a broker lost can be published again; the inbox is keyed by (consumer, event id), which is what makes a
redelivered duplicate detectable inside the handler's own transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from sqlalchemy import (
    BigInteger,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from aurora.db import NAMING_CONVENTION, UTCDateTime

__all__ = [
    "InboxRecord",
    "OutboxRecord",
    "events_metadata",
    "inbox_table",
    "include_event_tables",
    "outbox_table",
]


def _now() -> datetime:
    return datetime.now(UTC)


class _EventsBase(DeclarativeBase):
    # aurora-db's conventions, so the tables migrate like every other Aurora table.
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class OutboxRecord(_EventsBase):
    """An event written in a business transaction, waiting for the relay to publish it."""

    __tablename__ = "aurora_outbox"
    __table_args__ = (
        PrimaryKeyConstraint("id", name="pk_aurora_outbox"),
        Index("ix_aurora_outbox_aggregate_id", "aggregate", "id"),
        # Serves the relay's "unpublished, in order" scan (NULLs first), the purge
        # of old published rows and recovery's "published since" alike.
        Index("ix_aurora_outbox_published_at_id", "published_at", "id"),
    )

    # SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a bigint.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), autoincrement=True
    )
    event_id: Mapped[str] = mapped_column(String(255))
    stream: Mapped[str] = mapped_column(String(255))
    aggregate: Mapped[str] = mapped_column(String(512))
    event_type: Mapped[str] = mapped_column(String(255))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """When the broker confirmed the row; ``None`` while it waits for the relay."""


class InboxRecord(_EventsBase):
    """The fact that ``consumer`` processed ``event_id`` (committed with its effects)."""

    __tablename__ = "aurora_inbox"
    __table_args__ = (
        PrimaryKeyConstraint("consumer", "event_id", name="pk_aurora_inbox"),
        Index("ix_aurora_inbox_processed_at", "processed_at"),
    )

    consumer: Mapped[str] = mapped_column(String(255))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(255))
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_now)


outbox_table = cast(Table, OutboxRecord.__table__)
inbox_table = cast(Table, InboxRecord.__table__)

events_metadata: MetaData = _EventsBase.metadata
"""The metadata holding ``aurora_outbox`` and ``aurora_inbox`` (for Alembic)."""


def include_event_tables(metadata: MetaData) -> list[Table]:
    """Copy the outbox and inbox tables onto a service's ``metadata`` for its migrations.

    The copies have the same names and columns, so the ORM classes above keep
    writing to them; existing tables of the same name are left as they are.
    """
    return [table.to_metadata(metadata) for table in events_metadata.sorted_tables]
