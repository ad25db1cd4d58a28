"""AVG privacy centre: requests, verification codes, suppression list, retention, preferences

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 12:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("practice") as batch:
        batch.add_column(
            sa.Column("retention_review_months", sa.Integer(), nullable=False, server_default="12")
        )
        batch.add_column(
            sa.Column("product_emails", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(
            sa.Column("usage_statistics", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("pending_email", sa.String(length=254), nullable=True))
    with op.batch_alter_table("patient") as batch:
        batch.add_column(
            sa.Column("review_requested_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.create_index("ix_patient_phone", ["phone"], unique=False)

    op.create_table(
        "privacyrequest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("subject", sa.String(length=10), nullable=False),
        sa.Column("verified_by", sa.String(length=10), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=500), nullable=False),
        sa.Column("handled_by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["practice_id"], ["practice.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("privacyrequest") as batch:
        batch.create_index(
            "ix_privacy_request_practice_status", ["practice_id", "status"], unique=False
        )

    op.create_table(
        "verificationcode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_key", sa.String(length=80), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("ref_hash", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ref_hash"),
    )
    with op.batch_alter_table("verificationcode") as batch:
        batch.create_index(batch.f("ix_verificationcode_created_at"), ["created_at"])
        batch.create_index(batch.f("ix_verificationcode_subject_key"), ["subject_key"])

    op.create_table(
        "suppression",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("suppression")
    with op.batch_alter_table("verificationcode") as batch:
        batch.drop_index(batch.f("ix_verificationcode_subject_key"))
        batch.drop_index(batch.f("ix_verificationcode_created_at"))
    op.drop_table("verificationcode")
    with op.batch_alter_table("privacyrequest") as batch:
        batch.drop_index("ix_privacy_request_practice_status")
    op.drop_table("privacyrequest")
    with op.batch_alter_table("patient") as batch:
        batch.drop_index("ix_patient_phone")
        batch.drop_column("review_requested_at")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("pending_email")
    with op.batch_alter_table("practice") as batch:
        batch.drop_column("usage_statistics")
        batch.drop_column("product_emails")
        batch.drop_column("retention_review_months")
