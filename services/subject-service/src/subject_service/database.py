"""Subject Service's database: its migrations and the sessions its routes use.

``aurora.db.install_database`` (called by ``app``) points aurora-db's engines at the
configured database, upgrades the schema at start-up (opt out with
``AURORA_SUBJECT_SERVICE__MIGRATE_ON_STARTUP=false``), checks it for readiness and closes
the engines at shutdown. Routes get a session through ``DbSession``, which commits
before the response is sent (on SQLite it begins ``IMMEDIATE``, so a route that reads
and then writes doesn't fail when another writer committed in between).
"""

from pathlib import Path
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from aurora.db import get_async_db_dependency

from subject_service.settings import SERVICE_NAME

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
"""Alembic's script directory; it ships inside the package, so the PEX carries it."""

DbSession = Annotated[AsyncSession, Depends(get_async_db_dependency(SERVICE_NAME))]
"""A request's session: committed when the endpoint returns, rolled back if it raises."""

DbReadSession = Annotated[AsyncSession, Depends(get_async_db_dependency(SERVICE_NAME, write=False))]
"""A session for routes that only read: on SQLite it does not queue for the write lock."""
