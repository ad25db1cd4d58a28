"""Outreach: what a patient reads about the practice (address, phone), what a treatment
minute is worth for /resultaten, how waves are sized (adaptive or fixed), and per offer why
the patient was chosen and when they said "Nee"

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 00:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("practice") as batch:
        batch.add_column(sa.Column("address", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("phone", sa.String(20), nullable=False, server_default=""))
        # NZa 2025 time tariff ≈ €17–20 per 5 minutes: €3.67 a minute (€220 a chair-hour)
        batch.add_column(
            sa.Column("minute_value_cents", sa.Integer(), nullable=False, server_default="367")
        )
        batch.add_column(
            sa.Column("wave_mode", sa.String(10), nullable=False, server_default="adaptief")
        )
    with op.batch_alter_table("offer") as batch:
        batch.add_column(sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reason", sa.String(200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("offer") as batch:
        batch.drop_column("reason")
        batch.drop_column("declined_at")
    with op.batch_alter_table("practice") as batch:
        batch.drop_column("wave_mode")
        batch.drop_column("minute_value_cents")
        batch.drop_column("phone")
        batch.drop_column("address")
