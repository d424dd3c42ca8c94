"""Channel data on conversations: what a channel keeps between two messages (the SMS text still to
send when the person texts "SUITE").

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

A nullable column: adding it rewrites nothing and existing rows read as "nothing kept". The downgrade
drops it in place (ALTER TABLE ... DROP COLUMN, SQLite 3.35 or newer) rather than in batch mode: a
batch copy would drop and recreate `conversations`, and with foreign keys on, dropping it deletes
every processed message and handover code through ON DELETE CASCADE.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("conversations", sa.Column("channel_data", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("conversations", "channel_data")
