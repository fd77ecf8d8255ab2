"""accreditations: an awarding body's grant to a centre to validate a standard's code

A centre that already ran cases for a code before accreditation existed keeps doing so:
it is granted one for that code, for a year from the upgrade, naming this migration as
its QA reference, so its awarding body can review it (and suspend or withdraw it).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 07:00:00
"""

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accreditations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("awarding_body_id", sa.String(length=36), nullable=False),
        sa.Column("centre_id", sa.String(length=36), nullable=False),
        sa.Column("standard_code", sa.String(length=100), nullable=False),
        sa.Column("min_version", sa.Integer(), nullable=False),
        sa.Column("max_version", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scope", sa.String(length=2000), nullable=False),
        sa.Column("qa_body", sa.String(length=500), nullable=False),
        sa.Column("qa_reference", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_reason", sa.String(length=2000), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["awarding_body_id"], ["awarding_bodies.id"]),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_accreditations_awarding_body_id", "accreditations", ["awarding_body_id"])
    op.create_index(
        "ix_accreditations_centre_code", "accreditations", ["centre_id", "standard_code"]
    )
    conn = op.get_bind()
    pairs = conn.execute(
        sa.text(
            "SELECT DISTINCT c.centre_id, s.code, s.awarding_body_id FROM cases c "
            "JOIN standards s ON s.id = c.standard_id"
        )
    ).all()
    now = datetime.now(UTC)
    table = sa.table(
        "accreditations",
        *(
            sa.column(n)
            for n in (
                "id",
                "awarding_body_id",
                "centre_id",
                "standard_code",
                "min_version",
                "valid_from",
                "valid_until",
                "scope",
                "qa_body",
                "qa_reference",
                "status",
                "created_at",
            )
        ),
    )
    if pairs:
        op.bulk_insert(
            table,
            [
                {
                    "id": str(uuid.uuid4()),
                    "awarding_body_id": body,
                    "centre_id": centre,
                    "standard_code": code,
                    "min_version": 1,
                    "valid_from": now,
                    "valid_until": now + timedelta(days=365),
                    "scope": "cases opened before accreditation was recorded",
                    "qa_body": "not recorded",
                    "qa_reference": "vnfil migration 0009",
                    "status": "active",
                    "created_at": now,
                }
                for centre, code, body in pairs
            ],
        )


def downgrade() -> None:
    op.drop_index("ix_accreditations_centre_code", table_name="accreditations")
    op.drop_index("ix_accreditations_awarding_body_id", table_name="accreditations")
    op.drop_table("accreditations")
