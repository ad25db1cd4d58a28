"""code SMS counter: every /privacy/verzoek code text, for the hourly caps

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "codesms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("verification_code_id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["practice_id"], ["practice.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["verification_code_id"], ["verificationcode.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("codesms") as batch:
        batch.create_index("ix_codesms_practice_sent", ["practice_id", "sent_at"], unique=False)
        batch.create_index("ix_codesms_sent_at", ["sent_at"], unique=False)
        batch.create_index(
            "ix_codesms_verification_code_id", ["verification_code_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("codesms")
