"""Models the aurora-db tests share (on aurora.db.Base, as services declare theirs)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from aurora.db import (
    AuditMixin,
    Base,
    SoftDeleteMixin,
    TimestampMixin,
    UUIDPrimaryKeyMixin,
    VersionedMixin,
)


class Subject(UUIDPrimaryKeyMixin, TimestampMixin, VersionedMixin, Base):
    """A versioned, timestamped model with a unique name."""

    __tablename__ = "subjects"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    credits: Mapped[int] = mapped_column(Integer, default=0)


class Enrollment(UUIDPrimaryKeyMixin, Base):
    """A row whose foreign key is only checked at COMMIT (deferred), on both databases."""

    __tablename__ = "enrollments"
    __table_args__ = (CheckConstraint("seats >= 0", name="seats_not_negative"),)

    subject_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("subjects.id", deferrable=True, initially="DEFERRED")
    )
    seats: Mapped[int] = mapped_column(Integer, default=1)


class Event(Base):
    """A plain model with an integer key and a timestamp to page by."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20))
    happened_at: Mapped[datetime]


class Tag(Base):
    """Attribute names that differ from column names, which bulk paths must translate."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column("tag_id", primary_key=True, autoincrement=False)
    label: Mapped[str] = mapped_column("tag_label", String(30), unique=True)
    uses: Mapped[int] = mapped_column("use_count", Integer, default=0)


class Course(
    UUIDPrimaryKeyMixin, TimestampMixin, VersionedMixin, AuditMixin, SoftDeleteMixin, Base
):
    """Soft-deletable and audited, with a nullable column to sort by and a relationship."""

    __tablename__ = "courses"

    title: Mapped[str] = mapped_column(String(100))
    level: Mapped[int | None] = mapped_column(Integer, default=None)
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="course", order_by="Lesson.position"
    )


class Lesson(Base):
    """The many side of :class:`Course`, loaded only when asked for."""

    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id"))
    position: Mapped[int] = mapped_column(Integer)
    course: Mapped[Course] = relationship(back_populates="lessons")
