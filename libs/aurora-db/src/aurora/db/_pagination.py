"""Pages of results: offset pages with a total, and keyset (cursor) pages.

Offset paging is what admin tables want (jump to page 7, show "of 40"), but its
cost grows with the offset because the database still walks the skipped rows.
Keyset paging seeks straight to "after the last row seen" through the sort index,
so page 1000 costs what page 1 costs; it is the default for APIs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, UnaryExpression, and_, false, inspect, literal, or_, tuple_
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import operators

__all__ = [
    "CursorPage",
    "OrderBy",
    "Page",
    "SortKey",
    "as_sequence",
    "keyset_predicate",
    "sort_keys",
]

T = TypeVar("T")

OrderBy = str | InstrumentedAttribute[Any] | UnaryExpression[Any] | ColumnElement[Any]
"""One sort key: ``"name"``, ``"-created_at"`` (descending), ``Model.name`` or ``Model.name.desc()``."""


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of an offset listing, with the total number of matching rows."""

    items: list[T]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """How many pages the listing has (at least 1, so "page 1 of 1" reads right)."""
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def has_next(self) -> bool:
        """Whether a later page has rows."""
        return self.page * self.page_size < self.total


@dataclass(frozen=True, slots=True)
class CursorPage(Generic[T]):
    """One page of a keyset listing.

    Pass ``next_cursor`` back as ``after`` for the next page, ``prev_cursor`` as
    ``before`` for the previous one; each is ``None`` when there is no such page.
    """

    items: list[T]
    next_cursor: str | None
    prev_cursor: str | None = None

    @property
    def has_more(self) -> bool:
        """Whether another page follows."""
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.prev_cursor is not None


@dataclass(frozen=True, slots=True)
class SortKey:
    """A mapped attribute, its direction and where its nulls go.

    Nulls sort last in both directions unless reversed (for paging backwards).
    Both databases are told so explicitly, because their defaults differ:
    PostgreSQL puts nulls last ascending and first descending, SQLite the opposite.
    """

    attribute: InstrumentedAttribute[Any]
    descending: bool
    nulls_first: bool = False

    @property
    def nullable(self) -> bool:
        """Whether the column may hold nulls (only then is null placement spelled out)."""
        return any(getattr(column, "nullable", False) for column in self.attribute.property.columns)

    @property
    def clause(self) -> ColumnElement[Any]:
        """The ``ORDER BY`` element."""
        ordered = self.attribute.desc() if self.descending else self.attribute.asc()
        if not self.nullable:
            return ordered
        return ordered.nulls_first() if self.nulls_first else ordered.nulls_last()

    @property
    def label(self) -> str:
        """The key as text, for a cursor's scope."""
        return f"{'-' if self.descending else ''}{self.attribute.key}"

    def reversed(self) -> SortKey:
        """The same key walked the other way (nulls move to the other end too)."""
        return SortKey(self.attribute, not self.descending, not self.nulls_first)


def as_sequence(order_by: OrderBy | Sequence[OrderBy]) -> Sequence[OrderBy]:
    """One sort key or several, as a sequence."""
    if isinstance(order_by, str) or not isinstance(order_by, Sequence):
        return [order_by]
    return order_by


def sort_keys(
    model: type[Any], order_by: Sequence[OrderBy], *, unique: bool = False
) -> list[SortKey]:
    """Resolve ``order_by`` against ``model``.

    Args:
        unique: Append the primary key (ascending) unless it's already there, so the
            ordering is total, which keyset paging needs to never skip or repeat rows.
    """
    keys = [_sort_key(model, item) for item in order_by]
    if unique:
        named = {key.attribute.key for key in keys}
        mapper = inspect(model)
        for column in mapper.primary_key:
            attribute = mapper.get_property_by_column(column).key
            if attribute not in named:
                keys.append(SortKey(getattr(model, attribute), descending=False))
    return keys


def _sort_key(model: type[Any], item: OrderBy) -> SortKey:
    if isinstance(item, str):
        name = item.removeprefix("-")
        attribute = getattr(model, name, None)
        if not isinstance(attribute, InstrumentedAttribute):
            raise ValueError(f"{model.__name__} has no column {name!r} to order by")
        return SortKey(attribute, descending=item.startswith("-"))
    descending = False
    if isinstance(item, UnaryExpression) and item.modifier in (operators.desc_op, operators.asc_op):
        descending = item.modifier is operators.desc_op
        item = item.element
    return SortKey(_attribute_for(model, item), descending)


def _attribute_for(model: type[Any], element: Any) -> InstrumentedAttribute[Any]:
    if isinstance(element, InstrumentedAttribute):
        return element
    mapper = inspect(model)
    for prop in mapper.column_attrs:
        if any(
            isinstance(element, ColumnElement) and element.compare(column)
            for column in prop.columns
        ):
            attribute: InstrumentedAttribute[Any] = getattr(model, prop.key)
            return attribute
    raise ValueError(f"order_by for {model.__name__} must name its mapped columns, got {element!r}")


def keyset_predicate(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """``WHERE`` clause selecting rows strictly after ``values`` in ``keys`` order.

    With one direction throughout and no nullable key it is a row comparison,
    ``(a, b) > (:a, :b)``, which PostgreSQL answers with one index range scan;
    otherwise the expanded ``a > :a OR (a = :a AND b < :b)`` form, where a
    nullable key's nulls count as beyond every value (or before, when reversed).
    """
    if len(keys) != len(values):
        raise ValueError("cursor values don't match the sort keys")
    if len({key.descending for key in keys}) == 1 and not any(key.nullable for key in keys):
        binds = [
            literal(value, key.attribute.type) for key, value in zip(keys, values, strict=True)
        ]
        left = tuple_(*(key.attribute for key in keys)) if len(keys) > 1 else keys[0].attribute
        right = tuple_(*binds) if len(keys) > 1 else binds[0]
        return left < right if keys[0].descending else left > right
    clauses = []
    for index, key in enumerate(keys):
        equal_prefix = [_equal(keys[i], values[i]) for i in range(index)]
        clauses.append(and_(*equal_prefix, _beyond(key, values[index])))
    return or_(*clauses)


def _equal(key: SortKey, value: Any) -> ColumnElement[bool]:
    if value is None:
        return key.attribute.is_(None)
    return key.attribute == literal(value, key.attribute.type)


def _beyond(key: SortKey, value: Any) -> ColumnElement[bool]:
    """Rows strictly after ``value`` on this one key."""
    if value is None:  # at the nulls: beyond them lie the values, or nothing
        return key.attribute.is_not(None) if key.nulls_first else false()
    bind = literal(value, key.attribute.type)
    beyond = key.attribute < bind if key.descending else key.attribute > bind
    if key.nullable and not key.nulls_first:
        return or_(beyond, key.attribute.is_(None))
    return beyond
