"""Alembic migrations of subject-service: ``env.py`` and the revisions in ``versions/``."""
