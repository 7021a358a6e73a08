"""What the subjects API accepts and returns (never the ORM objects themselves)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, field_validator
from pydantic.json_schema import SkipJsonSchema

from subject_service.models import CODE_MAX_LENGTH, NAME_MAX_LENGTH

Code = Annotated[
    str,
    Field(
        min_length=1,
        max_length=CODE_MAX_LENGTH,
        pattern=r"^[A-Z0-9]+(-[A-Z0-9]+)*$",
        description="Upper-case letters and digits in hyphenated groups, e.g. MATH-101.",
        examples=["MATH-101"],
    ),
]


def _storable(value: str) -> str:
    # NUL and lone surrogates are valid JSON but no database stores them (PostgreSQL
    # refuses NUL, UTF-8 has no surrogates): refuse them here, the same on every backend.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if any("\ud800" <= char <= "\udfff" for char in value):
        raise ValueError("must be valid Unicode text (no lone surrogates)")
    return value


Text = Annotated[str, AfterValidator(_storable)]
"""Text a database can store."""

Name = Annotated[Text, Field(min_length=1, max_length=NAME_MAX_LENGTH)]


class SubjectCreate(BaseModel):
    """The body of ``POST /api/v1/subjects``."""

    model_config = ConfigDict(extra="forbid")

    code: Code
    name: Name
    description: Text | None = Field(default=None, max_length=10_000)


class SubjectUpdate(BaseModel):
    """The body of ``PATCH /api/v1/subjects/{id}``: only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    # Optional but never null: the None default means "omitted", and SkipJsonSchema keeps
    # null out of the documented schema (the validator below refuses an explicit null).
    code: Code | SkipJsonSchema[None] = None
    name: Name | SkipJsonSchema[None] = None
    description: Text | None = Field(default=None, max_length=10_000)
    version: StrictInt | None = Field(
        default=None, ge=1, description="The version you read; if it changed since, 409."
    )

    @field_validator("code", "name")
    @classmethod
    def _required_fields_are_not_null(cls, value: str | None) -> str:
        # Omitting a field keeps it; sending null would break its NOT NULL column.
        if value is None:
            raise ValueError("cannot be null")
        return value


class SubjectRead(BaseModel):
    """A subject as the API returns it (and as its events carry it)."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    code: str
    name: str
    description: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class SubjectPage(BaseModel):
    """One page of ``GET /api/v1/subjects``.

    Pass ``next_cursor`` as ``after`` for the next page, ``prev_cursor`` as ``before``
    for the previous one; ``null`` when there is none.
    """

    items: list[SubjectRead]
    next_cursor: str | None
    prev_cursor: str | None = None
