"""case lists: a centre's cases newest first, and its counts by status and stage, read
from an index rather than by sorting or scanning every case (10,000 cases and more)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 13:25:00
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_centre_created", "cases", ["centre_id", "created_at"])
    op.create_index("ix_cases_centre_status_stage", "cases", ["centre_id", "status", "stage"])


def downgrade() -> None:
    op.drop_index("ix_cases_centre_status_stage", table_name="cases")
    op.drop_index("ix_cases_centre_created", table_name="cases")
