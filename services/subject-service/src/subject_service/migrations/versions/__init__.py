"""The revisions of subject-service's schema, oldest first; Alembic loads them by path."""
