"""Alembic migrations of catalog-service: ``env.py`` and the revisions in ``versions/``."""
