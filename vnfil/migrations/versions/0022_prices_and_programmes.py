"""Prices of validation per centre and standard; funders' programmes with their rules;
the funding requests of cases

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("centre_id", sa.String(length=36), nullable=False),
        sa.Column("standard_code", sa.String(length=100), nullable=False),
        sa.Column("unit", sa.String(length=5), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("stages", sa.JSON(), nullable=True),
        sa.Column("funding_required", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"], name="fk_prices_centre_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prices")),
        sa.UniqueConstraint("centre_id", "standard_code", name="uq_prices_centre_standard"),
    )
    op.create_table(
        "programmes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("funder_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=5), nullable=False),
        sa.Column("budget", sa.BigInteger(), nullable=False),
        sa.Column("standard_codes", sa.JSON(), nullable=False),
        sa.Column("accredited_only", sa.Boolean(), nullable=False),
        sa.Column("eqf_levels", sa.JSON(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("share_percent", sa.Integer(), nullable=False),
        sa.Column("cap_per_person_year", sa.BigInteger(), nullable=True),
        sa.Column("auto_approve", sa.Boolean(), nullable=False),
        sa.Column("pays_completed_stages", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("decision_days", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["funder_id"], ["funders.id"], name="fk_programmes_funder_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programmes")),
    )
    op.create_index(op.f("ix_programmes_funder_id"), "programmes", ["funder_id"])
    op.create_table(
        "funding_requests",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("programme_id", sa.String(length=36), nullable=True),
        sa.Column("funder_id", sa.String(length=36), nullable=True),
        sa.Column("unit", sa.String(length=5), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decide_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_funding_requests_case_id"),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_funding_requests")),
    )
    op.create_index(op.f("ix_funding_requests_case_id"), "funding_requests", ["case_id"])
    op.create_index(op.f("ix_funding_requests_programme_id"), "funding_requests", ["programme_id"])
    op.create_index(op.f("ix_funding_requests_funder_id"), "funding_requests", ["funder_id"])


def downgrade() -> None:
    op.drop_table("funding_requests")
    op.drop_table("programmes")
    op.drop_table("prices")
