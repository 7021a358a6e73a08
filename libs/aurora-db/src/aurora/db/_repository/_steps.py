"""The few session calls a repository operation needs, each runnable sync or async.

Repository operations are written once, as generators that *yield* these steps
and receive their results (a "sans-I/O" core). The sync repository runs a step
with :meth:`Step.run`, the async one awaits :meth:`Step.run_async`; that is the
only place where the two differ, so no logic is copied between them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Executable
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.orm.evaluator import UnevaluatableError

__all__ = ["AddAll", "BulkExecute", "Delete", "Execute", "Flush", "Get", "Operation", "Step"]

T = TypeVar("T")


class Step(ABC):
    """One session call; subclasses implement both flavours of it."""

    @abstractmethod
    def run(self, session: Session) -> Any:
        """Perform the call on a sync session."""

    @abstractmethod
    async def run_async(self, session: AsyncSession) -> Any:
        """Perform the call on an async session."""


Operation = Generator[Step, Any, T]
"""A repository operation: yields steps, receives their results, returns ``T``."""


@dataclass(frozen=True, slots=True)
class Execute(Step):
    """Run a statement; the result is buffered, so the core may read it at leisure."""

    statement: Executable
    params: Sequence[Mapping[str, Any]] | None = None
    options: Mapping[str, Any] | None = None

    def run(self, session: Session) -> Any:
        return session.execute(self.statement, self.params, execution_options=self.options or {})

    async def run_async(self, session: AsyncSession) -> Any:
        return await session.execute(
            self.statement, self.params, execution_options=self.options or {}
        )


@dataclass(frozen=True, slots=True)
class BulkExecute(Step):
    """Run an ORM-enabled ``UPDATE``/``DELETE``, keeping the session's instances in step.

    Criteria evaluated in Python against the identity map cost nothing when few
    instances are loaded; SQLAlchemy's ``"auto"`` prefers ``RETURNING`` every
    matched key instead, a third of a 10,000-row delete. Only criteria Python
    can't evaluate (subqueries) fall back to fetching; the evaluation happens
    before the statement is sent, so the retry never runs it twice.
    """

    statement: Executable

    def run(self, session: Session) -> Any:
        try:
            return session.execute(self.statement, execution_options=_EVALUATE)
        except InvalidRequestError as exc:
            if not isinstance(exc.__cause__, UnevaluatableError):
                raise
        return session.execute(self.statement, execution_options=_FETCH)

    async def run_async(self, session: AsyncSession) -> Any:
        try:
            return await session.execute(self.statement, execution_options=_EVALUATE)
        except InvalidRequestError as exc:
            if not isinstance(exc.__cause__, UnevaluatableError):
                raise
        return await session.execute(self.statement, execution_options=_FETCH)


_EVALUATE = {"synchronize_session": "evaluate"}
_FETCH = {"synchronize_session": "fetch"}


@dataclass(frozen=True, slots=True)
class Get(Step):
    """Load by primary key, from the identity map when already there."""

    model: type[Any]
    ident: Any
    load: Sequence[Any] = ()
    options: Mapping[str, Any] | None = None

    def run(self, session: Session) -> Any:
        return session.get(
            self.model, self.ident, options=self.load, execution_options=self.options or {}
        )

    async def run_async(self, session: AsyncSession) -> Any:
        return await session.get(
            self.model, self.ident, options=self.load, execution_options=self.options or {}
        )


@dataclass(frozen=True, slots=True)
class AddAll(Step):
    """Put new instances in the session (no I/O until the next flush)."""

    instances: Sequence[Any]

    def run(self, session: Session) -> None:
        session.add_all(self.instances)

    async def run_async(self, session: AsyncSession) -> None:
        session.add_all(self.instances)


@dataclass(frozen=True, slots=True)
class Delete(Step):
    """Mark an instance for deletion."""

    instance: Any

    def run(self, session: Session) -> None:
        session.delete(self.instance)

    async def run_async(self, session: AsyncSession) -> None:
        await session.delete(self.instance)


@dataclass(frozen=True, slots=True)
class Flush(Step):
    """Send pending changes now, so constraint errors surface inside the operation."""

    def run(self, session: Session) -> None:
        session.flush()

    async def run_async(self, session: AsyncSession) -> None:
        await session.flush()
