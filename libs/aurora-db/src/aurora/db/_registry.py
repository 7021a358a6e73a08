"""One engine per service, built on first use and disposed at shutdown.

Nothing connects at import time: a service (or test) reaches its database
through :class:`EngineRegistry`, configured with the service's ``DatabaseSettings``
(:func:`configure_database`). The name-keyed helpers of the seed
(``get_db_session("subject-service")``) work unconfigured too: they take the
section of the config ``aurora.config.get_config`` holds for that name, the one
cached load, never a second read of the environment. The module-level functions act on a default
registry that :func:`reset_engines` and :func:`use_registry` let tests replace.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, sessionmaker

from aurora.db._cursor import derive_cursor_key
from aurora.db._engine import build_async_engine, build_engine, read_only
from aurora.db._repository import CURSOR_KEY_INFO
from aurora.db._settings import (
    CURSOR_SECRET_VARIABLE,
    DatabaseSettings,
    DatabaseTarget,
    database_target,
)
from aurora.logging import get_logger

__all__ = [
    "SERVICE_INFO",
    "EngineRegistry",
    "configure_database",
    "dispose_engines",
    "dispose_engines_async",
    "get_async_engine",
    "get_engine",
    "get_registry",
    "reset_engines",
    "use_registry",
]

SERVICE_INFO = "aurora.db.service"
"""``Session.info`` key holding the service name the session belongs to."""


def _settings_from_config(service_name: str) -> DatabaseSettings:
    from aurora.config import get_config  # - only for a name nothing configured

    return get_config(service_name).section(DatabaseSettings)


class EngineRegistry:
    """Engines and session factories per service name, created lazily and thread-safely.

    Args:
        settings_loader: The settings of a service that wasn't :meth:`configure`-d;
            by default its section of ``aurora.config.get_config(name)``.
    """

    def __init__(
        self,
        *,
        settings_loader: Callable[[str], DatabaseSettings] = _settings_from_config,
    ) -> None:
        self._settings_loader = settings_loader
        self._lock = threading.RLock()
        self._targets: dict[str, DatabaseTarget] = {}
        self._cursor_keys: dict[str, bytes] = {}
        self._engines: dict[str, Engine] = {}
        self._async_engines: dict[str, AsyncEngine] = {}
        self._makers: dict[tuple[str, bool], sessionmaker[Session]] = {}
        self._async_makers: dict[tuple[str, bool], async_sessionmaker[AsyncSession]] = {}

    def configure(
        self,
        service_name: str,
        source: DatabaseSettings | str | URL,
        *,
        cursor_key: bytes | str | None = None,
        **options: Any,
    ) -> None:
        """Set where ``service_name``'s data lives and how its engines behave.

        Args:
            source: Settings or a URL. ``options`` override :class:`DatabaseSettings` fields.
            cursor_key: Key (or secret to derive one from) for keyset cursors;
                else the settings' ``cursor_secret``.

        Raises:
            RuntimeError: The service's engines were already built; dispose first.
        """
        with self._lock:
            if service_name in self._engines or service_name in self._async_engines:
                raise RuntimeError(
                    f"engines for {service_name!r} already exist; dispose them first"
                )
            target = database_target(source, **options)
            self._targets[service_name] = target
            self._cursor_keys.pop(service_name, None)
            key = cursor_key if cursor_key is not None else _secret(target.settings)
            if key is not None:
                self._cursor_keys[service_name] = _as_key(key)

    def target(self, service_name: str) -> DatabaseTarget:
        """The URLs and options ``service_name`` uses."""
        with self._lock:
            if service_name not in self._targets:
                self.configure(service_name, self._settings_loader(service_name))
            return self._targets[service_name]

    def cursor_key(self, service_name: str) -> bytes:
        """The key that signs ``service_name``'s pagination cursors."""
        with self._lock:
            self.target(service_name)
            if service_name not in self._cursor_keys:
                self._cursor_keys[service_name] = _random_key(service_name)
            return self._cursor_keys[service_name]

    def engine(self, service_name: str) -> Engine:
        """The sync engine of ``service_name``, built on first call."""
        with self._lock:
            if service_name not in self._engines:
                self._engines[service_name] = build_engine(
                    self.target(service_name), name=service_name
                )
            return self._engines[service_name]

    def async_engine(self, service_name: str) -> AsyncEngine:
        """The async engine of ``service_name``, built on first call.

        An async engine's connections belong to the event loop that opened them;
        dispose it (:meth:`dispose_async`) before that loop closes.
        """
        with self._lock:
            if service_name not in self._async_engines:
                engine = build_async_engine(self.target(service_name), name=service_name)
                self._async_engines[service_name] = engine
            return self._async_engines[service_name]

    def sessionmaker(self, service_name: str, *, write: bool = True) -> sessionmaker[Session]:
        """The session factory of ``service_name``.

        ``expire_on_commit=False``: objects stay readable after the commit, which
        is when a response gets serialised. ``write=False`` gives sessions that only
        read: on SQLite they begin deferred instead of taking the write lock.
        """
        with self._lock:
            key = (service_name, write)
            if key not in self._makers:
                engine = self.engine(service_name)
                self._makers[key] = sessionmaker(
                    engine if write else read_only(engine),
                    expire_on_commit=False,
                    info=self._info(service_name),
                )
            return self._makers[key]

    def async_sessionmaker(
        self, service_name: str, *, write: bool = True
    ) -> async_sessionmaker[AsyncSession]:
        """The async session factory of ``service_name`` (``expire_on_commit=False``)."""
        with self._lock:
            key = (service_name, write)
            if key not in self._async_makers:
                engine = self.async_engine(service_name)
                self._async_makers[key] = async_sessionmaker(
                    engine if write else read_only(engine),
                    expire_on_commit=False,
                    info=self._info(service_name),
                )
            return self._async_makers[key]

    def _info(self, service_name: str) -> dict[str, Any]:
        return {SERVICE_INFO: service_name, CURSOR_KEY_INFO: self.cursor_key(service_name)}

    def dispose(self) -> None:
        """Close every engine's connections and forget the engines.

        From async code prefer ``await`` :meth:`dispose_async`: inside a running
        event loop, async engines' connections can only be dropped here, not closed.
        """
        with self._lock:
            engines, async_engines = self._take_engines()
        for engine in engines:
            engine.dispose()
        for async_engine in async_engines:
            _dispose_from_sync_code(async_engine)

    async def dispose_async(self) -> None:
        """Close every engine's connections (sync and async) and forget them."""
        with self._lock:
            engines, async_engines = self._take_engines()
        for engine in engines:
            engine.dispose()
        for async_engine in async_engines:
            await async_engine.dispose()

    def _take_engines(self) -> tuple[list[Engine], list[AsyncEngine]]:
        engines, async_engines = list(self._engines.values()), list(self._async_engines.values())
        self._engines.clear()
        self._async_engines.clear()
        self._makers.clear()
        self._async_makers.clear()
        return engines, async_engines


def _dispose_from_sync_code(engine: AsyncEngine) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop here: run the proper close on a short-lived one
        try:
            asyncio.run(engine.dispose())
            return
        except Exception:  # noqa: S110 - closing is best effort; drop the pool below
            pass
    engine.sync_engine.dispose(close=False)


def _secret(settings: DatabaseSettings) -> str | None:
    secret = settings.cursor_secret
    return None if secret is None else secret.get_secret_value()


def _random_key(service_name: str) -> bytes:
    # Development only: staging and production refuse to load without a secret.
    get_logger("aurora.db").warning(
        "cursor_secret_missing",
        service=service_name,
        consequence="pagination cursors are signed with a random key valid in this process only",
        fix=f"set {CURSOR_SECRET_VARIABLE}",
    )
    return secrets.token_bytes(32)


def _as_key(value: bytes | str) -> bytes:
    return derive_cursor_key(value) if isinstance(value, str) else value


_default: EngineRegistry | None = None
_default_lock = threading.Lock()


def get_registry() -> EngineRegistry:
    """The default registry the module-level functions use (created on first call)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = EngineRegistry()
        return _default


def configure_database(
    service_name: str, source: DatabaseSettings | str | URL, **options: Any
) -> None:
    """:meth:`EngineRegistry.configure` on the default registry."""
    get_registry().configure(service_name, source, **options)


def get_engine(service_name: str) -> Engine:
    """The sync engine of ``service_name`` from the default registry."""
    return get_registry().engine(service_name)


def get_async_engine(service_name: str) -> AsyncEngine:
    """The async engine of ``service_name`` from the default registry."""
    return get_registry().async_engine(service_name)


def dispose_engines() -> None:
    """Dispose the default registry's engines; a sync shutdown hook."""
    get_registry().dispose()


async def dispose_engines_async() -> None:
    """Dispose the default registry's engines, closing async ones properly."""
    await get_registry().dispose_async()


def reset_engines() -> None:
    """Dispose the default registry and start afresh (configuration included); for tests."""
    global _default
    with _default_lock:
        previous, _default = _default, None
    if previous is not None:
        previous.dispose()


@contextmanager
def use_registry(registry: EngineRegistry) -> Iterator[EngineRegistry]:
    """Make ``registry`` the default inside the block, restoring the previous one after."""
    global _default
    with _default_lock:
        previous, _default = _default, registry
    try:
        yield registry
    finally:
        with _default_lock:
            _default = previous
