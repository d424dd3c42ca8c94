"""Data guarantees: processed ids outlive erasure and keep the reply sent, STOP records, secret
fingerprints, the durable Android outbox, and the handover code's wrapped key.

Revision ID: 0003_storage
Revises: 0002
Create Date: 2026-12-04

processed_messages is rebuilt in batch mode on SQLite (a child table: nothing cascades from it) so its
foreign key can become ON DELETE SET NULL and conversation_id nullable. States written before this
revision stay readable as plain JSON and are sealed at the person's next turn (the identifier needed
for the key is only known then).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_storage"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)
FK = "fk_processed_messages_conversation_id_conversations"


def upgrade() -> None:
    with op.batch_alter_table("processed_messages") as batch:
        batch.drop_constraint(FK, type_="foreignkey")
        batch.alter_column("conversation_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("reply", sa.Text(), nullable=True))
        batch.create_foreign_key(FK, "conversations", ["conversation_id"], ["id"], ondelete="SET NULL")
    op.add_column("handover_codes", sa.Column("wrapped_key", sa.Text(), nullable=True))
    op.create_table(
        "stopped_numbers",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("stopped_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("channel", "user_key", name=op.f("pk_stopped_numbers")),
    )
    op.create_table(
        "secret_fingerprints",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_secret_fingerprints")),
    )
    op.create_table(
        "sms_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_key", sa.String(length=64), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sms_id", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", Timestamp, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_outbox")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_sms_outbox_user_key"), "sms_outbox", ["user_key"])
    op.create_index(op.f("ix_sms_outbox_next_attempt_at"), "sms_outbox", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sms_outbox_next_attempt_at"), table_name="sms_outbox")
    op.drop_index(op.f("ix_sms_outbox_user_key"), table_name="sms_outbox")
    op.drop_table("sms_outbox")
    op.drop_table("secret_fingerprints")
    op.drop_table("stopped_numbers")
    op.drop_column("handover_codes", "wrapped_key")
    # Rows detached by an erasure belong to nobody any more: they cannot satisfy NOT NULL.
    op.execute("DELETE FROM processed_messages WHERE conversation_id IS NULL")
    with op.batch_alter_table("processed_messages") as batch:
        batch.drop_constraint(FK, type_="foreignkey")
        batch.drop_column("reply")
        batch.alter_column("conversation_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(FK, "conversations", ["conversation_id"], ["id"], ondelete="CASCADE")
