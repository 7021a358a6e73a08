"""Create the subjects table, and aurora-events' outbox and inbox.

Revision ID: 0001
Revises:
Create Date: when subject-service was generated
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from aurora.db import utcnow

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subjects",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=utcnow(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=utcnow(), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subjects")),
    )
    op.create_table(
        "aurora_outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("stream", sa.String(length=255), nullable=False),
        sa.Column("aggregate", sa.String(length=512), nullable=False),
        sa.Column("event_type", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_aurora_outbox"),
    )
    op.create_index("ix_aurora_outbox_aggregate_id", "aurora_outbox", ["aggregate", "id"])
    op.create_table(
        "aurora_inbox",
        sa.Column("consumer", sa.String(length=255), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("event_type", sa.String(length=255), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="pk_aurora_inbox"),
    )
    op.create_index("ix_aurora_inbox_processed_at", "aurora_inbox", ["processed_at"])


def downgrade() -> None:
    op.drop_index("ix_aurora_inbox_processed_at", table_name="aurora_inbox")
    op.drop_table("aurora_inbox")
    op.drop_index("ix_aurora_outbox_aggregate_id", table_name="aurora_outbox")
    op.drop_table("aurora_outbox")
    op.drop_table("subjects")
