"""Alembic's environment for subject-service: ``python -m aurora.db migrate subject-service ...``."""

from aurora.db.migrations import run_migrations

from subject_service.models import metadata

run_migrations(metadata, "subject-service")
