"""What a read is given: its criteria, its options, and ids in the key's own type."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Result
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.interfaces import ORMOption

from aurora.db._filters import Filter
from aurora.errors import ValidationError

__all__ = ["PLAIN", "Criterion", "Filters", "PrimaryKey", "Read"]

Criterion = ColumnElement[bool] | Filter
"""One condition a read takes: a SQLAlchemy clause or a :class:`~aurora.db.Filter`."""
Filters = tuple[Criterion, ...]


@dataclass(frozen=True, slots=True)
class Read:
    """How a read runs: loader options, execution options, whether soft-deleted rows count."""

    load: Sequence[ORMOption] = ()
    execution_options: Mapping[str, Any] = field(default_factory=dict)
    include_deleted: bool = False

    @classmethod
    def of(
        cls,
        load: ORMOption | Sequence[ORMOption] | None,
        execution_options: Mapping[str, Any] | None,
        include_deleted: bool,
    ) -> Read:
        """The options as the repositories' keyword arguments give them."""
        loaders = () if load is None else (load,) if isinstance(load, ORMOption) else tuple(load)
        return cls(loaders, dict(execution_options or {}), include_deleted)

    def rows(self, result: Result[Any]) -> Result[Any]:
        """``result``, made unique when loader options might join a collection in.

        SQLAlchemy requires it for joined eager loads; hashing every entity costs
        about a tenth of a page otherwise, so plain reads skip it.
        """
        return result.unique() if self.load else result


PLAIN = Read()


@dataclass(frozen=True, slots=True)
class PrimaryKey:
    """A model's one-column primary key and its Python type, for ids given as text.

    Ids arrive as text from paths, queues and job arguments; the driver can't bind
    ``"0190..."`` to a UUID column (a 500 ``'str' object has no attribute 'hex'``),
    so they are parsed here, and what can't be parsed is the caller's error.
    """

    resource: str
    name: str | None
    python_type: type[Any] | None

    @classmethod
    def of(cls, mapper: Mapper[Any], resource: str) -> PrimaryKey:
        """The key of ``mapper``; composite or untyped keys are left as given."""
        if len(mapper.primary_key) != 1:
            return cls(resource, None, None)
        column = mapper.primary_key[0]
        try:
            python_type: type[Any] | None = column.type.python_type
        except NotImplementedError:
            python_type = None
        return cls(resource, mapper.get_property_by_column(column).key, python_type)

    def coerce(self, ident: Any) -> Any:
        """``ident`` as the key's type: ``"0190..."`` becomes a :class:`~uuid.UUID`.

        Raises:
            ValidationError: ``ident`` can't be that type (a 422 naming the type).
        """
        if self.python_type is None or isinstance(ident, self.python_type):
            return ident
        try:
            if self.python_type is uuid.UUID and isinstance(ident, str):
                return uuid.UUID(ident)
            if self.python_type is int and isinstance(ident, str):
                return int(ident)
        except ValueError:
            pass
        name = self.python_type.__name__
        raise ValidationError(
            f"{self.resource} ids are {name}s, got {type(ident).__name__} {str(ident)[:40]!r}",
            details=[{"field": self.name, "message": f"must be a {name}"}],
            context={"resource": self.resource},
        )
