"""invalid phone numbers and send retries

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 08:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patient") as batch:
        batch.add_column(sa.Column("phone_invalid_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("offer") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("offer") as batch:
        batch.drop_column("retry_at")
        batch.drop_column("attempts")
    with op.batch_alter_table("patient") as batch:
        batch.drop_column("phone_invalid_at")
