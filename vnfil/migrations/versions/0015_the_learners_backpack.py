"""the learner's backpack: share links a holder makes for a credential, and whether its
public verification page is shown

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 16:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(
            sa.Column("public_page", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.create_table(
        "credential_shares",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("hidden", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("views", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(
            ["credential_id"], ["credentials.id"], name="fk_credential_shares_credential_id"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name="uq_credential_shares_token_hash"),
    )
    op.create_index("ix_credential_shares_credential_id", "credential_shares", ["credential_id"])


def downgrade() -> None:
    op.drop_index("ix_credential_shares_credential_id", table_name="credential_shares")
    op.drop_table("credential_shares")
    with op.batch_alter_table("credentials") as batch:
        batch.drop_column("public_page")
