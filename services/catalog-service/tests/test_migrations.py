"""The migrations build exactly the schema the models describe, and take it down again."""

from aurora.testing.migrations import MigrationChecks

from catalog_service.database import MIGRATIONS_DIR
from catalog_service.settings import SERVICE_NAME


class TestMigrations(MigrationChecks):
    service_name = SERVICE_NAME
    migrations_dir = MIGRATIONS_DIR
    tables = {"catalog_entries", "aurora_outbox", "aurora_inbox"}
