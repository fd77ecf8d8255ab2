"""OpenID4VCI offers: a credential offered to its holder's wallet, once, for a while

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credential_offers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("tx_code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("nonce", sa.String(length=64), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("holder_key", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["credential_id"], ["credentials.id"], name="fk_credential_offers_credential_id"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash", name="uq_credential_offers_code_hash"),
        sa.UniqueConstraint("token_hash", name="uq_credential_offers_token_hash"),
    )
    op.create_index("ix_credential_offers_credential_id", "credential_offers", ["credential_id"])


def downgrade() -> None:
    op.drop_index("ix_credential_offers_credential_id", table_name="credential_offers")
    op.drop_table("credential_offers")
