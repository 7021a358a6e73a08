"""What the sync and async repositories share that involves no I/O."""

from __future__ import annotations

import functools
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from aurora.db._cursor import CursorCodec, derive_cursor_key
from aurora.db._errors import translate_errors
from aurora.db._repository._core import RepositoryCore

__all__ = ["CURSOR_KEY_INFO", "RepositoryBase"]

CURSOR_KEY_INFO = "aurora.db.cursor_key"
"""``Session.info`` key under which the engine registry leaves the service's cursor key."""

ModelT = TypeVar("ModelT")
SessionT = TypeVar("SessionT", Session, AsyncSession)


@functools.cache
def _process_codec() -> CursorCodec:
    # Sessions made outside the registry and no explicit key: cursors then only
    # work within this process, which is right for tests and one-off scripts.
    return CursorCodec()


class RepositoryBase(Generic[ModelT, SessionT]):
    """Holds the session, the model and the shared :class:`RepositoryCore`.

    Args:
        session: The session to work in. Repositories flush but never commit: the
            unit of work belongs to whoever opened the session.
        model: The mapped class; may instead be set as a ``model`` class attribute.
        cursor_key: Key for signing keyset cursors (a secret string is derived
            into a key). Defaults to the one the engine registry put on the session.
    """

    model: type[Any]

    def __init__(
        self,
        session: SessionT,
        model: type[ModelT] | None = None,
        *,
        cursor_key: bytes | str | None = None,
    ) -> None:
        resolved = model if model is not None else getattr(type(self), "model", None)
        if resolved is None:
            raise TypeError(
                f"{type(self).__name__} needs a model: pass it or set a 'model' class attribute"
            )
        self.session: SessionT = session
        self._core: RepositoryCore[ModelT] = RepositoryCore(resolved, _codec(session, cursor_key))
        self.model = resolved

    def _dialect_name(self) -> str:
        return str(self.session.get_bind().dialect.name)

    def _translated(self) -> Any:
        return translate_errors(resource=self._core.resource, metadata=self._core.metadata)


def _codec(session: Session | AsyncSession, cursor_key: bytes | str | None) -> CursorCodec:
    if isinstance(cursor_key, str):
        return CursorCodec(derive_cursor_key(cursor_key))
    if cursor_key is None:
        cursor_key = session.info.get(CURSOR_KEY_INFO)
    return CursorCodec(cursor_key) if cursor_key is not None else _process_codec()
