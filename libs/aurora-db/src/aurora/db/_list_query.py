"""A FastAPI dependency turning a listing's query parameters into filters, order and page.

A list route states what it offers once; the dependency builds a typed query
parameter for each offer, so OpenAPI documents every one, FastAPI validates
their types (422), and anything *not* offered is refused rather than silently
ignored, a misspelt filter returning everything being the worse failure::

    subjects_query = list_query_dependency(
        Subject,
        filters={"code": ("eq", "in"), "created_at": ("ge", "lt")},
        search=("code", "name"),
        sort=("code", "name", "created_at"),
    )

    @router.get("")
    async def list_subjects(query: Annotated[ListQuery, Depends(subjects_query)]): ...

gives ``?code=MATH-101``, ``?code__in=A&code__in=B``, ``?created_at__ge=...``,
``?q=algebra``, ``?sort=-created_at,code``, ``?limit=20``, ``?after=...`` or
``?before=...``. Hand-written, because fastapi-pagination and advanced-alchemy's
filter providers are not in the lockfile; the shapes follow theirs.
"""

# No ``from __future__ import annotations``: FastAPI reads the built signature at runtime.

import inspect
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from sqlalchemy.types import TypeDecorator

from aurora.db._errors import InvalidCursorError
from aurora.db._fastapi import require_fastapi
from aurora.db._filters import Equal, Filter, In, Range, Search, model_attribute
from aurora.db._text import NO_NUL_PATTERN, DocumentedPattern
from aurora.errors import ValidationError

__all__ = ["OPERATORS", "ListQuery", "list_query_dependency"]

OPERATORS = ("eq", "in", "gt", "ge", "lt", "le")
"""What a field may offer: equality, membership, and the four range bounds."""

# Patterns the document states and the code checks (_refuse_nul, _order), so a
# client reads what is refused and a refusal still names the offers.
_NO_NUL = {"pattern": NO_NUL_PATTERN}
_QueryText = Annotated[str, DocumentedPattern(NO_NUL_PATTERN)]
_DATE_TIME_START = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]")


@dataclass(frozen=True, slots=True)
class ListQuery:
    """One listing request: its filters, its order and the page it wants.

    ``repo.paginate_keyset(*query.filters, order_by=query.order_by, **query.page)``.
    """

    filters: tuple[Filter, ...] = ()
    order_by: tuple[str, ...] = ()
    limit: int = 50
    after: str | None = None
    before: str | None = None
    page: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        page = {"limit": self.limit, "after": self.after, "before": self.before}
        object.__setattr__(self, "page", page)


def list_query_dependency(
    model: type[Any],
    *,
    filters: Mapping[str, Collection[str]] | None = None,
    search: Sequence[str] = (),
    sort: Sequence[str] = (),
    default_sort: Sequence[str] = (),
    default_limit: int = 50,
    max_limit: int = 100,
    allow: Collection[str] = (),
) -> Callable[..., ListQuery]:
    """A dependency giving a :class:`ListQuery` built from the request's query string.

    Args:
        model: The mapped class the fields belong to.
        filters: Field name to the operators it offers (:data:`OPERATORS`).
        search: Fields ``?q=`` searches (case-insensitive substring).
        sort: Fields ``?sort=`` may order by (``-`` in front for descending).
        default_sort: The order without ``?sort=``.
        allow: Other query parameters the route itself reads, so they aren't refused.

    Raises:
        ValueError: At declaration, for a field the model lacks or an unknown operator.
    """
    offers = _offers(model, filters or {})
    for name in (*search, *sort):
        model_attribute(model, name)
    parameters = _parameters(model, offers, search, sort, default_limit, max_limit)
    known = {param.name_in_query for param in parameters} | set(allow)
    sortable = frozenset(sort)

    def list_query(request: Any, **values: Any) -> ListQuery:
        _refuse_unknown(request.query_params.keys(), known, offers)
        _refuse_nul(request.query_params.multi_items())
        if values["after"] and values["before"]:
            # Neither cursor can be honoured: as a made-up one, a 400 (no document can
            # say two parameters exclude each other).
            raise InvalidCursorError("Give 'after' or 'before', not both")
        chosen = [
            param.filter(values[param.name])
            for param in parameters
            if param.build is not None and values[param.name] is not None
        ]
        order = _order(values.get("sort"), sortable) if sort else ()
        return ListQuery(
            filters=tuple(chosen),
            order_by=order or tuple(default_sort),
            limit=values["limit"],
            after=values["after"] or None,
            before=values["before"] or None,
        )

    _declare_signature(list_query, parameters)
    return list_query


@dataclass(frozen=True, slots=True)
class _Parameter:
    """One query parameter: its Python name, its name in the URL, its type and meaning."""

    name: str
    name_in_query: str
    annotation: Any
    default: Any
    description: str
    build: Callable[[Any], Filter] | None = None
    constraints: Mapping[str, Any] = field(default_factory=dict)

    def filter(self, value: Any) -> Filter:
        assert self.build is not None
        return self.build(value)


def _offers(model: type[Any], filters: Mapping[str, Collection[str]]) -> dict[str, frozenset[str]]:
    offers: dict[str, frozenset[str]] = {}
    for name, operators in filters.items():
        model_attribute(model, name)
        unknown = set(operators) - set(OPERATORS)
        if unknown:
            raise ValueError(f"unknown filter operators for {name!r}: {sorted(unknown)}")
        offers[name] = frozenset(operators)
    return offers


def _parameters(
    model: type[Any],
    offers: Mapping[str, frozenset[str]],
    search: Sequence[str],
    sort: Sequence[str],
    default_limit: int,
    max_limit: int,
) -> list[_Parameter]:
    parameters = [
        _filter_parameter(model, name, operator)
        for name, operators in offers.items()
        for operator in OPERATORS
        if operator in operators
    ]
    if search:
        fields = tuple(search)
        parameters.append(
            _Parameter(
                "q", "q", str | None, None, f"Text searched for in {', '.join(fields)} (any case)",
                build=lambda text: Search(fields, text),
                constraints={"max_length": 200, "json_schema_extra": _NO_NUL},
            )
        )  # fmt: skip
    if sort:
        described = f"Comma-separated, '-' for descending; of: {', '.join(sort)}"
        constraints = {"max_length": 200, "json_schema_extra": {"pattern": _sort_pattern(sort)}}
        parameters.append(
            _Parameter("sort", "sort", str | None, None, described, constraints=constraints)
        )
    parameters += [
        _Parameter(
            "limit", "limit", int, default_limit, "Rows per page",
            constraints={"ge": 1, "le": max_limit},
        ),
        _Parameter(
            "after", "after", str | None, None, "A page's next_cursor: the page after it",
            constraints={"json_schema_extra": _NO_NUL},
        ),
        _Parameter(
            "before", "before", str | None, None, "A page's prev_cursor: the page before",
            constraints={"json_schema_extra": _NO_NUL},
        ),
    ]  # fmt: skip
    return parameters


def _sort_pattern(sort: Sequence[str]) -> str:
    """The regular expression of a valid ``?sort=``, so the document says what is offered.

    Spaces and stray commas are tolerated as :func:`_order` tolerates them; literal
    spaces rather than ``\\s``, which Python and the Rust regex engine define differently.
    """
    key = "-?(?:" + "|".join(re.escape(name) for name in sort) + ")"
    return rf"^[ ,]*(?:{key} *(?:,[ ,]*|$))*$"


def _filter_parameter(model: type[Any], name: str, operator: str) -> _Parameter:
    value_type = _python_type(model, name)
    query_name = name if operator == "eq" else f"{name}__{operator}"
    python_name = f"filter_{name}_{operator}"
    if operator == "eq":
        return _Parameter(
            python_name, query_name, value_type | None, None, f"{name} equals",
            build=lambda value: Equal(name, value),
        )  # fmt: skip
    if operator == "in":
        return _Parameter(
            python_name, query_name, list[value_type] | None, None,  # type: ignore[valid-type]
            f"{name} is one of (repeat the parameter)", build=lambda values: In(name, values),
        )  # fmt: skip
    words = {"gt": "after / above", "ge": "from / at least", "lt": "before / below"}
    return _Parameter(
        python_name, query_name, value_type | None, None,
        f"{name} {words.get(operator, 'up to / at most')}",
        build=lambda value: Range(name, **{operator: value}),
    )  # fmt: skip


def _python_type(model: type[Any], name: str) -> Any:
    column_type = model_attribute(model, name).type
    if isinstance(column_type, TypeDecorator):  # which reports ``object``
        column_type = column_type.impl_instance
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        return _QueryText
    if python_type is datetime:
        # Aurora's datetimes are UTC: a naive value would be refused at the database.
        from pydantic import AwareDatetime, BeforeValidator

        return Annotated[AwareDatetime, BeforeValidator(_rfc3339_only)]
    return _QueryText if python_type is str else python_type


def _rfc3339_only(value: Any) -> Any:
    """Refuse what pydantic would read as a Unix time (``0.0``): the document says date-time."""
    if isinstance(value, str) and not _DATE_TIME_START.match(value):
        raise ValueError("must be an RFC 3339 date-time, e.g. 2026-01-31T12:00:00Z")
    return value


def _declare_signature(function: Callable[..., Any], parameters: Sequence[_Parameter]) -> None:
    """Give ``function`` the signature FastAPI should read: one ``Query`` per parameter."""
    require_fastapi("list_query_dependency")
    from fastapi import Query
    from starlette.requests import Request

    signature = [inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request)]
    for param in parameters:
        query = Query(alias=param.name_in_query, description=param.description, **param.constraints)
        signature.append(
            inspect.Parameter(
                param.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=param.default,
                annotation=Annotated[param.annotation, query],
            )
        )
    function.__signature__ = inspect.Signature(signature, return_annotation=ListQuery)  # type: ignore[attr-defined]


def _refuse_unknown(
    names: Collection[str], known: Collection[str], offers: Mapping[str, frozenset[str]]
) -> None:
    problems = []
    for name in sorted(set(names) - set(known)):
        field_name, _, operator = name.partition("__")
        if field_name in offers:
            detail = f"{field_name!r} can't be filtered with {operator!r}"
            offered = ", ".join(op for op in OPERATORS if op in offers[field_name])
            detail += f" (offered: {offered})"
            code = "unknown_operator"
        else:
            detail, code = (
                f"{name!r} is not a filter, sort or paging parameter here",
                "unknown_field",
            )
        problems.append({"pointer": f"#/query/{_escape(name)}", "detail": detail, "code": code})
    if problems:
        raise ValidationError("Request validation failed", details=problems)


def _refuse_nul(items: Collection[tuple[str, str]]) -> None:
    """NUL can't be stored or compared as text on PostgreSQL: refuse it here, everywhere."""
    bad = sorted({name for name, value in items if "\x00" in value})
    if bad:
        raise ValidationError(
            "Request validation failed",
            details=[
                {"pointer": f"#/query/{_escape(name)}", "detail": "contains a NUL character"}
                for name in bad
            ],
        )


def _order(raw: str | None, sortable: frozenset[str]) -> tuple[str, ...]:
    if not raw:
        return ()
    keys = tuple(part.strip() for part in raw.split(",") if part.strip())
    unknown = [key for key in keys if key.removeprefix("-") not in sortable]
    if unknown:
        raise ValidationError(
            "Request validation failed",
            details=[
                {
                    "pointer": "#/query/sort",
                    "detail": f"can't sort by {key!r} (offered: {', '.join(sorted(sortable))})",
                    "code": "unknown_sort_field",
                }
                for key in unknown
            ],
        )
    return keys


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")
