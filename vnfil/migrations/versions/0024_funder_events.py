"""Events and webhook subscriptions for funders too: each names an awarding body or a
funder

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 20:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("events", "webhook_subscriptions"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                "awarding_body_id", existing_type=sa.String(length=36), nullable=True
            )
            batch.add_column(sa.Column("funder_id", sa.String(length=36), nullable=True))
            batch.create_foreign_key(f"fk_{table}_funder_id", "funders", ["funder_id"], ["id"])
            batch.create_index(f"ix_{table}_funder_id", ["funder_id"])


def downgrade() -> None:
    for table in ("events", "webhook_subscriptions"):
        op.execute(sa.text(f"DELETE FROM {table} WHERE awarding_body_id IS NULL"))
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_funder_id")
            batch.drop_constraint(f"fk_{table}_funder_id", type_="foreignkey")
            batch.drop_column("funder_id")
            batch.alter_column(
                "awarding_body_id", existing_type=sa.String(length=36), nullable=False
            )
