"""Initial schema: conversations, processed messages, counsellors, handover codes, usage counters.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Written out in full rather than importing bot.storage.models: a migration must keep describing the
schema as it was, whatever the models become.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Naive UTC text on SQLite, timestamptz on PostgreSQL (see models.UTCDateTime).
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("state", sa.Text(), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("channel", "user_key", name=op.f("uq_conversations_channel_user_key")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_conversations_updated_at"), "conversations", ["updated_at"])

    op.create_table(
        "processed_messages",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("message_key", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("processed_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE",
                                name=op.f("fk_processed_messages_conversation_id_conversations")),
        sa.PrimaryKeyConstraint("channel", "message_key", name=op.f("pk_processed_messages")),
    )
    op.create_index(op.f("ix_processed_messages_conversation_id"), "processed_messages", ["conversation_id"])
    op.create_index(op.f("ix_processed_messages_processed_at"), "processed_messages", ["processed_at"])

    op.create_table(
        "counsellors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", Timestamp, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counsellors")),
        sa.UniqueConstraint("name", name=op.f("uq_counsellors_name")),
    )

    op.create_table(
        "handover_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.Column("used_at", Timestamp, nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE",
                                name=op.f("fk_handover_codes_conversation_id_conversations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_handover_codes_code_hash")),
    )
    op.create_index(op.f("ix_handover_codes_conversation_id"), "handover_codes", ["conversation_id"])
    op.create_index(op.f("ix_handover_codes_expires_at"), "handover_codes", ["expires_at"])

    op.create_table(
        "usage_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("quartier", sa.String(length=64), server_default="", nullable=False),
        sa.Column("aid_id", sa.String(length=64), server_default="", nullable=False),
        sa.Column("count", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_counters")),
        sa.UniqueConstraint("day", "channel", "event", "quartier", "aid_id",
                            name=op.f("uq_usage_counters_day_channel_event_quartier_aid_id")),
    )


def downgrade() -> None:
    op.drop_table("usage_counters")
    op.drop_index(op.f("ix_handover_codes_expires_at"), table_name="handover_codes")
    op.drop_index(op.f("ix_handover_codes_conversation_id"), table_name="handover_codes")
    op.drop_table("handover_codes")
    op.drop_table("counsellors")
    op.drop_index(op.f("ix_processed_messages_processed_at"), table_name="processed_messages")
    op.drop_index(op.f("ix_processed_messages_conversation_id"), table_name="processed_messages")
    op.drop_table("processed_messages")
    op.drop_index(op.f("ix_conversations_updated_at"), table_name="conversations")
    op.drop_table("conversations")
