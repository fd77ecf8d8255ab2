"""notification centre: each message knows when its recipient read it, and each person
chooses whether messages also come by e-mail

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 13:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("read_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("email_notices", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_notices")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("read_at")
