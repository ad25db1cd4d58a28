"""Patients join and manage themselves, practice software talks to us: the practice's sign-up
mode and calendar feed, the consent text version and pause of a waitlist entry, API keys and
their idempotent replies, webhook subscriptions and their delivery log

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 02:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("practice") as batch:
        batch.add_column(
            sa.Column("signup_mode", sa.String(12), nullable=False, server_default="beoordelen")
        )
        batch.add_column(sa.Column("calendar_token_hash", sa.String(64), nullable=True))
    with op.batch_alter_table("patient") as batch:
        batch.add_column(
            sa.Column("consent_text_version", sa.String(20), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("paused_until", _UTC, nullable=True))

    op.create_table(
        "apikey",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "practice_id",
            sa.Integer(),
            sa.ForeignKey("practice.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("scope", sa.String(5), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("last_used_at", _UTC, nullable=True),
        sa.Column("revoked_at", _UTC, nullable=True),
    )
    op.create_index("ix_apikey_practice_id", "apikey", ["practice_id"])

    op.create_table(
        "idempotentreply",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "practice_id",
            sa.Integer(),
            sa.ForeignKey("practice.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "api_key_id",
            sa.Integer(),
            sa.ForeignKey("apikey.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.UniqueConstraint("api_key_id", "key"),
    )
    op.create_index("ix_idempotentreply_created_at", "idempotentreply", ["created_at"])
    op.create_index("ix_idempotentreply_practice_id", "idempotentreply", ["practice_id"])

    op.create_table(
        "webhookendpoint",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "practice_id",
            sa.Integer(),
            sa.ForeignKey("practice.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("secret", sa.String(80), nullable=False),
        sa.Column("events", sa.String(200), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("disabled_at", _UTC, nullable=True),
    )
    op.create_index("ix_webhookendpoint_practice_id", "webhookendpoint", ["practice_id"])

    op.create_table(
        "webhookdelivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "practice_id",
            sa.Integer(),
            sa.ForeignKey("practice.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "endpoint_id",
            sa.Integer(),
            sa.ForeignKey("webhookendpoint.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("event_id", sa.String(40), nullable=False),
        sa.Column("event_type", sa.String(30), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", _UTC, nullable=True),
        sa.Column("last_attempt_at", _UTC, nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("delivered_at", _UTC, nullable=True),
    )
    op.create_index(
        "ix_webhookdelivery_practice_created", "webhookdelivery", ["practice_id", "created_at"]
    )
    op.create_index(
        "ix_webhookdelivery_status_next", "webhookdelivery", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_table("webhookdelivery")
    op.drop_table("webhookendpoint")
    op.drop_table("idempotentreply")
    op.drop_table("apikey")
    with op.batch_alter_table("patient") as batch:
        batch.drop_column("paused_until")
        batch.drop_column("consent_text_version")
    with op.batch_alter_table("practice") as batch:
        batch.drop_column("calendar_token_hash")
        batch.drop_column("signup_mode")
