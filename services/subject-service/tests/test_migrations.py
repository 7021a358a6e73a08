"""The migrations build exactly the schema the models describe, and take it down again."""

from aurora.testing.migrations import MigrationChecks

from subject_service.database import MIGRATIONS_DIR
from subject_service.settings import SERVICE_NAME


class TestMigrations(MigrationChecks):
    service_name = SERVICE_NAME
    migrations_dir = MIGRATIONS_DIR
    tables = {"subjects", "aurora_outbox", "aurora_inbox"}
