"""The revisions of catalog-service's schema, oldest first; Alembic loads them by path."""
