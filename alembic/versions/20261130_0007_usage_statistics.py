"""anonymous usage statistics: one row of totals per day (Bezwaar: consenting practices only)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 09:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "usageday",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("practices", sa.Integer(), nullable=False),
        sa.Column("slots_opened", sa.Integer(), nullable=False),
        sa.Column("slots_filled", sa.Integer(), nullable=False),
        sa.Column("sms_sent", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )


def downgrade() -> None:
    op.drop_table("usageday")
