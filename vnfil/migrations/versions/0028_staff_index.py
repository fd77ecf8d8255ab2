"""A centre's staff are found by a partial index on (centre, role): candidates' rows
(no centre) are left out, so SQLite no longer scans every membership for them

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 02:25:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

HAS_CENTRE = sa.text("centre_id IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_memberships_centre_role",
        "memberships",
        ["centre_id", "role"],
        sqlite_where=HAS_CENTRE,
        postgresql_where=HAS_CENTRE,
    )
    op.drop_index("ix_memberships_centre_id", table_name="memberships")


def downgrade() -> None:
    op.create_index("ix_memberships_centre_id", "memberships", ["centre_id"])
    op.drop_index("ix_memberships_centre_role", table_name="memberships")
