"""Keep published outbox rows: add ``aurora_outbox.published_at`` and its index.

aurora-events now marks rows published instead of deleting them, and keeps them
for a retention window so that events a broker lost can be published again.
Rows waiting at upgrade time have ``published_at`` NULL: the relay sends them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("aurora_outbox") as batch:
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_aurora_outbox_published_at_id", "aurora_outbox", ["published_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_aurora_outbox_published_at_id", table_name="aurora_outbox")
    # Published rows were only kept for recovery; the old relay would send them again.
    op.execute(sa.text("DELETE FROM aurora_outbox WHERE published_at IS NOT NULL"))
    with op.batch_alter_table("aurora_outbox") as batch:
        batch.drop_column("published_at")
