"""Desk roles (the admin role that opens the statistics) and scheduled follow-ups.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

A follow-up row holds only the pseudonymous key, the channel, the date and the address to write to,
sealed with a key derived from the pepper (like the SMS outbox's recipient): without it nobody could be
written to, and the pepper lives outside the database.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "counsellor_roles",
        sa.Column("counsellor_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["counsellor_id"], ["counsellors.id"], ondelete="CASCADE",
                                name=op.f("fk_counsellor_roles_counsellor_id_counsellors")),
        sa.PrimaryKeyConstraint("counsellor_id", "role", name=op.f("pk_counsellor_roles")),
    )
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("due_at", Timestamp, nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
        sa.UniqueConstraint("channel", "user_key", name=op.f("uq_followups_channel_user_key")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_followups_due_at"), "followups", ["due_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_followups_due_at"), table_name="followups")
    op.drop_table("followups")
    op.drop_table("counsellor_roles")
