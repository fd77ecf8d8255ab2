"""Each credential keeps how many learning outcomes it validates, so a funder's report
adds them up in SQL

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04 22:30:00
"""

import sqlalchemy as sa
from alembic import op

from vnfil.credentials.document import outcomes_of

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(sa.Column("outcome_count", sa.Integer(), nullable=True))
    conn = op.get_bind()
    credentials = sa.Table("credentials", sa.MetaData(), autoload_with=conn)
    last = ""
    while rows := conn.execute(
        sa.select(credentials.c.id, credentials.c.document)
        .where(credentials.c.id > last)
        .order_by(credentials.c.id)
        .limit(BATCH)
    ).all():
        for credential_id, document in rows:
            conn.execute(
                credentials.update()
                .where(credentials.c.id == credential_id)
                .values(outcome_count=len(outcomes_of(document)))
            )
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.drop_column("outcome_count")
