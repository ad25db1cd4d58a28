"""practice e-mail confirmation before the first SMS; existing practices count as confirmed

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("practice") as batch:
        batch.add_column(sa.Column("email_confirmed_at", sa.DateTime(timezone=True), nullable=True))
    # They signed up before the rule existed (the demo practice included): keep them sending.
    op.execute("UPDATE practice SET email_confirmed_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("practice") as batch:
        batch.drop_column("email_confirmed_at")
