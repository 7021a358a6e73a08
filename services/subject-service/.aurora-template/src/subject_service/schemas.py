"""What the subjects API accepts and returns (never the ORM objects themselves)."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from subject_service.models import NAME_MAX_LENGTH


class SubjectCreate(BaseModel):
    """The body of ``POST /api/v1/subjects``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=NAME_MAX_LENGTH)
    description: str | None = Field(default=None, max_length=10_000)


class SubjectUpdate(BaseModel):
    """The body of ``PATCH /api/v1/subjects/{id}``: only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=NAME_MAX_LENGTH)
    description: str | None = Field(default=None, max_length=10_000)
    version: int | None = Field(
        default=None, ge=1, description="The version you read; if it changed since, 409."
    )

    @field_validator("name")
    @classmethod
    def _name_is_not_null(cls, value: str | None) -> str:
        # Omitting the name keeps it; sending null would break the NOT NULL column.
        if value is None:
            raise ValueError("name cannot be null")
        return value


class SubjectRead(BaseModel):
    """A subject as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    name: str
    description: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class SubjectPage(BaseModel):
    """One page of ``GET /api/v1/subjects``; pass ``next_cursor`` as ``after`` for the next."""

    items: list[SubjectRead]
    next_cursor: str | None
