"""What the catalog entries API accepts and returns (never the ORM objects themselves)."""

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from catalog_service.models import NAME_MAX_LENGTH


class CatalogEntryCreate(BaseModel):
    """The body of ``POST /api/v1/catalog-entries``."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=NAME_MAX_LENGTH)
    description: str | None = Field(default=None, max_length=10_000)


class CatalogEntryUpdate(BaseModel):
    """The body of ``PATCH /api/v1/catalog-entries/{id}``: only the fields given change."""

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


class CatalogEntryRead(BaseModel):
    """A catalog entry as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    name: str
    description: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class CatalogEntryPage(BaseModel):
    """One page of ``GET /api/v1/catalog-entries``; pass ``next_cursor`` as ``after`` for the next."""

    items: list[CatalogEntryRead]
    next_cursor: str | None
