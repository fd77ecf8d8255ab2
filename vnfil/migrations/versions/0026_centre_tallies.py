"""A centre's figures from running tallies; overdue cases and unread messages counted on
indexes

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 21:40:00
"""

import sqlalchemy as sa
from alembic import op

from vnfil.cases.tallies import tally_batch

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "centre_tallies",
        sa.Column("centre_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"], name="fk_centre_tallies_centre_id"),
        sa.PrimaryKeyConstraint("centre_id", "kind", "key", "bucket"),
    )
    # The figures no longer count cases by stage over these two, and 0025's list indexes
    # begin with the same columns: each was one more index to write with every case.
    op.drop_index("ix_cases_centre_stage", table_name="cases")
    op.drop_index("ix_cases_centre_status_stage", table_name="cases")
    op.create_index("ix_cases_centre_status_deadline", "cases", ["centre_id", "status", "deadline"])
    op.create_index(
        "ix_notifications_recipient_unread", "notifications", ["recipient_id", "read_at"]
    )
    _backfill()


def _backfill() -> None:
    """The tallies of the cases already there, counted as the running ones will be."""
    conn = op.get_bind()
    meta = sa.MetaData()
    cases = sa.Table("cases", meta, autoload_with=conn)
    panels = sa.Table("case_assignments", meta, autoload_with=conn)
    records = sa.Table("stage_records", meta, autoload_with=conn)
    tallies = sa.Table("centre_tallies", meta, autoload_with=conn)
    totals: dict[tuple[str, str, str, int], int] = {}
    last = ""
    while True:
        batch = conn.execute(
            sa.select(
                cases.c.id, cases.c.centre_id, cases.c.status, cases.c.stage, cases.c.created_at
            )
            .where(cases.c.id > last)
            .order_by(cases.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        ids = [row.id for row in batch]
        assessors = conn.execute(
            sa.select(panels.c.case_id, panels.c.user_id).where(
                panels.c.case_id.in_(ids), panels.c.role == "assessor"
            )
        )
        stage_records = conn.execute(
            sa.select(records.c.case_id, records.c.stage, records.c.record).where(
                records.c.case_id.in_(ids)
            )
        )
        for centre_id, counts in tally_batch(batch, assessors, stage_records).items():
            for (kind, key, bucket), n in counts.items():
                at = (centre_id, kind, key, bucket)
                totals[at] = totals.get(at, 0) + n
        last = ids[-1]
    rows = [
        {"centre_id": c, "kind": k, "key": key, "bucket": b, "n": n}
        for (c, k, key, b), n in sorted(totals.items())
    ]
    for i in range(0, len(rows), BATCH):
        conn.execute(tallies.insert(), rows[i : i + BATCH])


def downgrade() -> None:
    op.drop_index("ix_notifications_recipient_unread", table_name="notifications")
    op.drop_index("ix_cases_centre_status_deadline", table_name="cases")
    op.create_index("ix_cases_centre_status_stage", "cases", ["centre_id", "status", "stage"])
    op.create_index("ix_cases_centre_stage", "cases", ["centre_id", "stage"])
    op.drop_table("centre_tallies")
