"""Filter objects: the conditions a listing offers, as values rather than SQL.

A route that lets clients filter must check each condition against what it
allows and turn it into SQL; written as small frozen values, the same condition
comes from query parameters (:func:`~aurora.db.list_query_dependency`), from code,
or from a test, and every repository read accepts it next to plain SQLAlchemy
clauses::

    repo.list(In("code", ["MATH-101", "ART-1"]), Range("credits", ge=2), Search(("name",), "alg"))

Field names are the model's attribute names; an unknown one is a ``ValueError``
(the FastAPI dependency refuses it earlier, as a 422 problem).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_
from sqlalchemy.orm import InstrumentedAttribute

__all__ = ["Equal", "Filter", "In", "Range", "Search", "model_attribute"]


def model_attribute(model: type[Any], field: str) -> InstrumentedAttribute[Any]:
    """The mapped column attribute ``field`` of ``model``, or ``ValueError``."""
    attribute = getattr(model, field, None) if not field.startswith("_") else None
    if not isinstance(attribute, InstrumentedAttribute) or not hasattr(attribute, "type"):
        raise ValueError(f"{model.__name__} has no column {field!r} to filter on")
    return attribute


class Filter(ABC):
    """A condition on a model's rows that renders itself as a ``WHERE`` clause."""

    @abstractmethod
    def clause(self, model: type[Any]) -> ColumnElement[bool]:
        """The SQL condition for ``model``."""


@dataclass(frozen=True, slots=True)
class Equal(Filter):
    """``field = value`` (``IS NULL`` when ``value`` is ``None``)."""

    field: str
    value: Any

    def clause(self, model: type[Any]) -> ColumnElement[bool]:
        attribute = model_attribute(model, self.field)
        return attribute.is_(None) if self.value is None else attribute == self.value


@dataclass(frozen=True, slots=True)
class In(Filter):
    """``field IN (values)``; no values matches no row."""

    field: str
    values: Sequence[Any]

    def clause(self, model: type[Any]) -> ColumnElement[bool]:
        attribute = model_attribute(model, self.field)
        return attribute.in_(list(self.values)) if self.values else false()


@dataclass(frozen=True, slots=True)
class Range(Filter):
    """Bounds on ``field``: any of ``gt``, ``ge``, ``lt``, ``le`` (``None`` means unbounded)."""

    field: str
    gt: Any = None
    ge: Any = None
    lt: Any = None
    le: Any = None

    def clause(self, model: type[Any]) -> ColumnElement[bool]:
        attribute = model_attribute(model, self.field)
        bounds = [
            attribute > self.gt if self.gt is not None else None,
            attribute >= self.ge if self.ge is not None else None,
            attribute < self.lt if self.lt is not None else None,
            attribute <= self.le if self.le is not None else None,
        ]
        return and_(*(bound for bound in bounds if bound is not None))


@dataclass(frozen=True, slots=True)
class Search(Filter):
    """Rows where any of ``fields`` contains ``text``, ignoring case.

    Case-insensitive only, because SQLite's ``LIKE`` ignores ASCII case anyway and
    a search must answer the same on both databases. ``%`` and ``_`` in ``text``
    match themselves (the pattern is escaped), so a client can't design its own
    wildcard scan.
    """

    fields: Sequence[str]
    text: str

    def clause(self, model: type[Any]) -> ColumnElement[bool]:
        attributes = [model_attribute(model, field) for field in self.fields]
        return or_(*(a.icontains(self.text, autoescape=True) for a in attributes))
