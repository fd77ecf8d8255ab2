"""Paying for validation: funders, learning accounts and the ledger of entitlements

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 19:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "funders",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funders")),
    )
    op.create_table(
        "ledger_accounts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("unit", sa.String(length=5), nullable=False),
        sa.Column("balance", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("overdraft", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint("kind", "owner_id", "unit", name="uq_ledger_accounts_kind_owner_unit"),
    )
    op.create_table(
        "ledger_transactions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transactions")),
        sa.UniqueConstraint("key", name=op.f("uq_ledger_transactions_key")),
    )
    op.create_table(
        "ledger_postings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("transaction_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("entitlement_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["transaction_id"], ["ledger_transactions.id"], name="fk_ledger_postings_transaction_id"
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["ledger_accounts.id"], name="fk_ledger_postings_account_id"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_postings")),
    )
    op.create_index(
        op.f("ix_ledger_postings_transaction_id"), "ledger_postings", ["transaction_id"]
    )
    op.create_index(op.f("ix_ledger_postings_account_id"), "ledger_postings", ["account_id"])
    op.create_index(
        op.f("ix_ledger_postings_entitlement_id"), "ledger_postings", ["entitlement_id"]
    )
    op.create_table(
        "entitlements",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("funder_id", sa.String(length=36), nullable=False),
        sa.Column("unit", sa.String(length=5), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("carry_over_months", sa.Integer(), server_default="0", nullable=False),
        sa.Column("special_needs", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("granted_by", sa.String(length=36), nullable=True),
        sa.Column("carried_from", sa.String(length=36), nullable=True),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["ledger_accounts.id"], name="fk_entitlements_account_id"
        ),
        sa.ForeignKeyConstraint(["funder_id"], ["funders.id"], name="fk_entitlements_funder_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entitlements")),
    )
    op.create_index(op.f("ix_entitlements_account_id"), "entitlements", ["account_id"])
    # A funder's staff: a membership (and an invitation) for a funder.
    for table in ("memberships", "invitations"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("funder_id", sa.String(length=36), nullable=True))
            batch.create_foreign_key(f"fk_{table}_funder_id", "funders", ["funder_id"], ["id"])


def downgrade() -> None:
    for table in ("memberships", "invitations"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_funder_id", type_="foreignkey")
            batch.drop_column("funder_id")
    op.drop_table("entitlements")
    op.drop_table("ledger_postings")
    op.drop_table("ledger_transactions")
    op.drop_table("ledger_accounts")
    op.drop_table("funders")
