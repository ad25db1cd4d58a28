"""billing: subscriptions (local trial + Stripe) and processed Stripe events

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:00:00

Every practice that exists at upgrade time gets a 14-day trial from the upgrade on, as a new
practice gets one at sign-up.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    subscription = op.create_table(
        "subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("plan", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("trial_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("current_period_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("current_period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        sa.Column("past_due_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sms_included", sa.Integer(), nullable=False),
        sa.Column("metered", sa.Boolean(), nullable=False),
        sa.Column("stripe_customer_id", sa.String(length=100), nullable=True),
        sa.Column("stripe_subscription_id", sa.String(length=100), nullable=True),
        sa.Column("stripe_event_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overage_reported", sa.Integer(), nullable=False),
        sa.Column("overage_period_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["practice_id"], ["practice.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("practice_id"),
        sa.UniqueConstraint("stripe_customer_id"),
        sa.UniqueConstraint("stripe_subscription_id"),
    )
    op.create_table(
        "stripeevent",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=60), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["practice_id"], ["practice.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stripeevent") as batch:
        batch.create_index("ix_stripeevent_practice_id", ["practice_id"], unique=False)

    now = datetime.now(UTC)
    practices = op.get_bind().execute(sa.text("SELECT id FROM practice")).scalars().all()
    if practices:
        op.bulk_insert(
            subscription,
            [
                {
                    "practice_id": pid,
                    "status": "trialing",
                    "trial_ends_at": now + timedelta(days=14),
                    "cancel_at_period_end": False,
                    "sms_included": 200,
                    "metered": False,
                    "overage_reported": 0,
                    "updated_at": now,
                }
                for pid in practices
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("stripeevent") as batch:
        batch.drop_index("ix_stripeevent_practice_id")
    op.drop_table("stripeevent")
    op.drop_table("subscription")
