"""Text a database can store, refused alike on every backend.

PostgreSQL refuses a NUL character in text and UTF-8 has no lone surrogates, while
SQLite stores both: the same request would be a 201 on one backend and a driver
error on the other. aurora-db refuses such text itself, at two points:

- :data:`StorableText`, a pydantic string type for request schemas: a 422 at
  validation, with a ``pattern`` in the JSON schema so the OpenAPI document says so;
- a ``before_cursor_execute`` guard on every engine aurora-db builds: text that
  reaches a statement anyway (a field typed plain ``str``) is refused with
  :class:`~aurora.db.InvalidTextError` (422) before the driver sees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from sqlalchemy import Connection, Engine, event

from aurora.db._errors import InvalidTextError

__all__ = [
    "NO_NUL_PATTERN",
    "DocumentedPattern",
    "StorableText",
    "install_text_guard",
    "is_storable",
]

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
NO_NUL_PATTERN = r"^[^\x00]*$"
"""What the document says of storable text. Surrogates stay out of it: a lone one can't
travel in UTF-8 JSON anyway, and generators (schemathesis) can't use a surrogate range."""


def is_storable(text: str) -> bool:
    """Whether every backend stores ``text`` as given: no NUL, no lone surrogate."""
    if text.isascii():
        return "\x00" not in text
    return _UNSTORABLE.search(text) is None


def _storable(text: str) -> str:
    if not is_storable(text):
        raise ValueError("must not contain NUL characters or lone surrogates")
    return text


@dataclass(frozen=True, slots=True)
class DocumentedPattern:
    """Adds ``pattern`` to a string's JSON schema without pydantic enforcing it.

    For rules code checks with a better message (or that pydantic's Rust regex
    engine can't express), stated in the document all the same.
    """

    pattern: str

    def __get_pydantic_json_schema__(
        self, schema: Any, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(schema), "pattern": self.pattern}


StorableText = Annotated[str, AfterValidator(_storable), DocumentedPattern(NO_NUL_PATTERN)]
"""A string every backend stores as given: a NUL or a lone surrogate is a 422."""


def install_text_guard(engine: Engine) -> None:
    """Refuse unstorable text in any statement ``engine`` runs, as :class:`InvalidTextError`."""

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse_unstorable(
        connection: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        for row in parameters if executemany else (parameters,):
            for value in _values(row):
                if isinstance(value, str) and not is_storable(value):
                    raise InvalidTextError()


def _values(row: Any) -> Iterable[Any]:
    if isinstance(row, Mapping):
        return row.values()
    return row if isinstance(row, list | tuple) else ()
