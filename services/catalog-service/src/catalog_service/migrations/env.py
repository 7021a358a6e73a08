"""Alembic's environment for catalog-service: ``python -m aurora.db migrate catalog-service ...``."""

from aurora.db.migrations import run_migrations

from catalog_service.models import metadata

run_migrations(metadata, "catalog-service")
