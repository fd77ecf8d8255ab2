"""VC-API exchanges: a credential handed to its holder's Learner Credential Wallet, once,
for a while, after the wallet proves its DID

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 18:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credential_exchanges",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("exchange_hash", sa.String(length=64), nullable=False),
        sa.Column("challenge", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refusals", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_refusal", sa.String(length=300), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("holder_did", sa.String(length=200), nullable=True),
        sa.Column("holder_proof", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["credential_id"], ["credentials.id"], name="fk_credential_exchanges_credential_id"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("exchange_hash", name="uq_credential_exchanges_exchange_hash"),
    )
    op.create_index(
        "ix_credential_exchanges_credential_id", "credential_exchanges", ["credential_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_credential_exchanges_credential_id", table_name="credential_exchanges")
    op.drop_table("credential_exchanges")
