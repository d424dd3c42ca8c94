"""Desk sessions, attempt counters and the audit trail of counsellor actions.

Revision ID: 0004
Revises: 0003_storage
Create Date: 2026-12-04

Sessions and counters move from one process's memory to the database, so that signing out, lock-outs
and the handover-code limit hold across restarts and workers. The audit rows name the counsellor and
the action, never a resident's answers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003_storage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "desk_sessions",
        sa.Column("sid_hash", sa.String(length=64), nullable=False),
        sa.Column("counsellor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(["counsellor_id"], ["counsellors.id"], ondelete="CASCADE",
                                name=op.f("fk_desk_sessions_counsellor_id_counsellors")),
        sa.PrimaryKeyConstraint("sid_hash", name=op.f("pk_desk_sessions")),
    )
    op.create_index(op.f("ix_desk_sessions_counsellor_id"), "desk_sessions", ["counsellor_id"])
    op.create_index(op.f("ix_desk_sessions_expires_at"), "desk_sessions", ["expires_at"])

    op.create_table(
        "desk_attempts",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("window_start", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_desk_attempts")),
    )
    op.create_index(op.f("ix_desk_attempts_window_start"), "desk_attempts", ["window_start"])

    op.create_table(
        "desk_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", Timestamp, nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("counsellor", sa.String(length=100), nullable=False),
        sa.Column("client", sa.String(length=16), server_default="", nullable=False),
        sa.Column("case_ref", sa.String(length=16), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_audit")),
    )
    op.create_index(op.f("ix_desk_audit_at"), "desk_audit", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_desk_audit_at"), table_name="desk_audit")
    op.drop_table("desk_audit")
    op.drop_index(op.f("ix_desk_attempts_window_start"), table_name="desk_attempts")
    op.drop_table("desk_attempts")
    op.drop_index(op.f("ix_desk_sessions_expires_at"), table_name="desk_sessions")
    op.drop_index(op.f("ix_desk_sessions_counsellor_id"), table_name="desk_sessions")
    op.drop_table("desk_sessions")
