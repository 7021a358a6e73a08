"""Per-service Alembic migrations (a public submodule: imported by name from ``env.py``).

    # services/subject-service/migrations/env.py
    from aurora.db.migrations import run_migrations
    from subject_service.models import Base

    run_migrations(Base.metadata, "subject-service")

Then ``python -m aurora.db migrate subject-service upgrade`` (or :func:`upgrade`
from code, or :func:`upgrade_at_startup` as an opt-in start-up hook), and in CI
``check`` (database at head) and ``check-models`` (no change left without a migration).
"""

from aurora.db._alembic import DEFAULT_VERSION_TABLE, alembic_config, run_migrations
from aurora.db._migrate import (
    check_at_head,
    check_models,
    current,
    downgrade,
    generate_revision,
    heads,
    init_migrations,
    migrations_check,
    migrations_health_check,
    upgrade,
    upgrade_at_startup,
)

__all__ = [
    "DEFAULT_VERSION_TABLE",
    "alembic_config",
    "check_at_head",
    "check_models",
    "current",
    "downgrade",
    "generate_revision",
    "heads",
    "init_migrations",
    "migrations_check",
    "migrations_health_check",
    "run_migrations",
    "upgrade",
    "upgrade_at_startup",
]
