"""status lists: one per purpose, bits changed atomically; standard codes owned

- ``status_lists.number`` with a unique (awarding body, purpose, number): two first
  certifications at once create one list, not two. Lists made twice by that race
  before this revision are numbered in turn (all stay valid: credentials point at them).
- ``status_lists.version``: the compare-and-swap counter of a bit change.
- ``standard_codes``: the awarding body owning each code (the one that published its
  lowest version), so only it publishes later versions.
- ``credentials.revocation_reason`` holds a reason of ``vnfil.platform.text.REASON_MAX`` (2000).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("status_lists", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("number", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )

    conn = op.get_bind()
    lists = sa.table(
        "status_lists",
        sa.column("id", sa.String),
        sa.column("awarding_body_id", sa.String),
        sa.column("purpose", sa.String),
        sa.column("number", sa.Integer),
    )
    rows = conn.execute(
        sa.select(lists.c.id, lists.c.awarding_body_id, lists.c.purpose).order_by(
            lists.c.awarding_body_id, lists.c.purpose, lists.c.id
        )
    ).all()
    seen: dict[tuple[str, str], int] = {}
    for list_id, body, purpose in rows:
        n = seen.get((body, purpose), -1) + 1
        seen[(body, purpose)] = n
        if n:
            conn.execute(sa.update(lists).where(lists.c.id == list_id).values(number=n))

    with op.batch_alter_table("status_lists", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_status_lists_body_purpose_number", ["awarding_body_id", "purpose", "number"]
        )

    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.alter_column(
            "revocation_reason",
            existing_type=sa.String(length=1000),
            type_=sa.String(length=2000),
            existing_nullable=True,
        )

    op.create_table(
        "standard_codes",
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("awarding_body_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["awarding_body_id"], ["awarding_bodies.id"]),
        sa.PrimaryKeyConstraint("code"),
    )
    with op.batch_alter_table("standard_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_standard_codes_awarding_body_id"), ["awarding_body_id"], unique=False
        )
    # The owner of a code already published: the body of its lowest version.
    op.execute(
        """
        INSERT INTO standard_codes (code, awarding_body_id, created_at)
        SELECT s.code, s.awarding_body_id, CURRENT_TIMESTAMP
        FROM standards s
        WHERE s.version = (SELECT MIN(t.version) FROM standards t WHERE t.code = s.code)
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.alter_column(
            "revocation_reason",
            existing_type=sa.String(length=2000),
            type_=sa.String(length=1000),
            existing_nullable=True,
            postgresql_using="left(revocation_reason, 1000)",
        )
    with op.batch_alter_table("standard_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_standard_codes_awarding_body_id"))
    op.drop_table("standard_codes")
    with op.batch_alter_table("status_lists", schema=None) as batch_op:
        batch_op.drop_constraint("uq_status_lists_body_purpose_number", type_="unique")
        batch_op.drop_column("version")
        batch_op.drop_column("number")
