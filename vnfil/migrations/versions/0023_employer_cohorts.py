"""Employer cohorts: a group of employees enrolled for a standard at a centre, funded
from the employer's programme; each member's case and consent to share the credential

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 21:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cohorts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("funder_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("standard_id", sa.String(length=36), nullable=False),
        sa.Column("centre_id", sa.String(length=36), nullable=False),
        sa.Column("programme_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["funder_id"], ["funders.id"], name="fk_cohorts_funder_id"),
        sa.ForeignKeyConstraint(["standard_id"], ["standards.id"], name="fk_cohorts_standard_id"),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"], name="fk_cohorts_centre_id"),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programmes.id"], name="fk_cohorts_programme_id"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohorts")),
    )
    op.create_index(op.f("ix_cohorts_funder_id"), "cohorts", ["funder_id"])
    op.create_index(op.f("ix_cohorts_programme_id"), "cohorts", ["programme_id"])
    op.create_table(
        "cohort_members",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("cohort_id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name="fk_cohort_members_cohort_id"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_cohort_members_user_id"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_cohort_members_case_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_members")),
        sa.UniqueConstraint("cohort_id", "email", name="uq_cohort_members_cohort_email"),
    )
    op.create_index(op.f("ix_cohort_members_cohort_id"), "cohort_members", ["cohort_id"])
    op.create_index(op.f("ix_cohort_members_email"), "cohort_members", ["email"])
    op.create_index(op.f("ix_cohort_members_user_id"), "cohort_members", ["user_id"])
    op.create_index(op.f("ix_cohort_members_case_id"), "cohort_members", ["case_id"])


def downgrade() -> None:
    op.drop_table("cohort_members")
    op.drop_table("cohorts")
