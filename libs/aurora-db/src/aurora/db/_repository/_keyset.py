"""Keyset pages in both directions, as one repository operation.

Forwards (``after``) the query seeks past the cursor in the listing's order.
Backwards (``before``) it seeks past the cursor in the *reversed* order, fetches
the page nearest the cursor, and turns it round, so a previous page costs what a
next page costs. Either way one extra row is fetched to know whether more lie
beyond. Cursors are signed for the listing's scope (model and ordering), so one
listing's cursor is refused by another and a tampered one by all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from aurora.db._pagination import CursorPage, SortKey, as_sequence, keyset_predicate, sort_keys
from aurora.db._repository._steps import Execute, Operation

if TYPE_CHECKING:
    from aurora.db._repository._core import RepositoryCore
    from aurora.db._repository._read import Filters, Read

__all__ = ["keyset_page"]

ModelT = TypeVar("ModelT")


def keyset_page(
    core: RepositoryCore[ModelT],
    where: tuple[Filters, Mapping[str, Any]],
    order_by: Any,
    limit: int,
    cursors: tuple[str | None, str | None],
    read: Read,
) -> Operation[CursorPage[ModelT]]:
    """One page after ``cursors[0]`` or before ``cursors[1]`` (empty strings mean neither)."""
    after, before = (cursor or None for cursor in cursors)
    if limit < 1:
        raise ValueError("limit starts at 1")
    if after is not None and before is not None:
        raise ValueError("give 'after' or 'before', not both")
    keys = sort_keys(core.model, as_sequence(order_by) if order_by is not None else [], unique=True)
    scope = f"{core.table_name}:{','.join(key.label for key in keys)}"
    backwards = before is not None
    walk = [key.reversed() for key in keys] if backwards else keys
    statement = core.select(*where, None, read)
    cursor = before if backwards else after
    if cursor is not None:
        statement = statement.where(keyset_predicate(walk, core.codec.decode(scope, cursor)))
    statement = statement.order_by(*(key.clause for key in walk)).limit(limit + 1)
    result = yield Execute(statement, None, read.execution_options)
    items: list[ModelT] = list(read.rows(result).scalars().all())
    more, items = len(items) > limit, items[:limit]
    if backwards:
        items.reverse()
    if not items:
        return CursorPage(items=items, next_cursor=None, prev_cursor=None)

    def cursor_at(item: Any) -> str:
        return core.codec.encode(scope, _values(keys, item))

    # Going forwards, a cursor means rows lie before; going backwards, the cursor's
    # own row lies after. Beyond the page's far end only the extra row tells.
    onward = more if not backwards else True
    behind = cursor is not None if not backwards else more
    return CursorPage(
        items=items,
        next_cursor=cursor_at(items[-1]) if onward else None,
        prev_cursor=cursor_at(items[0]) if behind else None,
    )


def _values(keys: Sequence[SortKey], item: Any) -> list[Any]:
    return [getattr(item, key.attribute.key) for key in keys]
