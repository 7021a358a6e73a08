"""What the subjects API accepts and returns (never the ORM objects themselves)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from aurora.db import StorableText

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


def _whole_number(value: object) -> object:
    # A JSON integer, as the document says: pydantic's lax int would also take "1"
    # and true, its strict int would refuse 2.0 (an integer in JSON Schema).
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be an integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be an integer")
        return int(value)
    return value


Version = Annotated[int, Field(ge=1), BeforeValidator(_whole_number)]
"""A row's version as a JSON integer (never a string or a boolean)."""

Name = Annotated[StorableText, Field(min_length=1, max_length=NAME_MAX_LENGTH)]


class SubjectCreate(BaseModel):
    """The body of ``POST /api/v1/subjects``."""

    model_config = ConfigDict(extra="forbid")

    code: Code
    name: Name
    description: StorableText | None = Field(default=None, max_length=10_000)


class SubjectUpdate(BaseModel):
    """The body of ``PATCH /api/v1/subjects/{id}``: only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    # Optional but never null: the None default means "omitted", and SkipJsonSchema keeps
    # null out of the documented schema (the validator below refuses an explicit null).
    code: Code | SkipJsonSchema[None] = None
    name: Name | SkipJsonSchema[None] = None
    description: StorableText | None = Field(default=None, max_length=10_000)
    version: Version | None = Field(
        default=None, description="The version you read; if it changed since, 409."
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
