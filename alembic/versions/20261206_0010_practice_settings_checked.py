"""practice.settings_checked_at: the owner saved the SMS rules (sender name) once; the
dashboard's first-steps checklist reads it

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 06:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("practice") as batch:
        batch.add_column(
            sa.Column("settings_checked_at", sa.DateTime(timezone=True), nullable=True)
        )
    # A practice that already gave a slot to its waitlist is past its first day: no checklist
    # appears on its dashboard. One that did not gets the checklist, which is what it needs.
    op.execute(
        "UPDATE practice SET settings_checked_at = created_at "
        "WHERE id IN (SELECT practice_id FROM slot)"
    )


def downgrade() -> None:
    with op.batch_alter_table("practice") as batch:
        batch.drop_column("settings_checked_at")
