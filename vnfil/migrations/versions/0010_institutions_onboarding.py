"""institutions: the platform operator onboards awarding bodies and centres

Invitations may be for an awarding body (its first issuer) as well as for a centre;
centres and awarding bodies say when they were made, and a centre may have a web page;
an accreditation keeps the verifiable credential its awarding body signed.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invitations") as batch:
        batch.alter_column("centre_id", existing_type=sa.String(length=36), nullable=True)
        batch.add_column(sa.Column("awarding_body_id", sa.String(length=36), nullable=True))
        batch.create_foreign_key(
            "fk_invitations_awarding_body_id", "awarding_bodies", ["awarding_body_id"], ["id"]
        )
        batch.create_index("ix_invitations_awarding_body_id", ["awarding_body_id"])
    with op.batch_alter_table("centres") as batch:
        batch.add_column(sa.Column("url", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("awarding_bodies") as batch:
        batch.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("accreditations") as batch:
        batch.add_column(sa.Column("credential", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accreditations") as batch:
        batch.drop_column("credential")
    with op.batch_alter_table("awarding_bodies") as batch:
        batch.drop_column("created_at")
    with op.batch_alter_table("centres") as batch:
        batch.drop_column("created_at")
        batch.drop_column("url")
    op.execute("DELETE FROM invitations WHERE centre_id IS NULL")
    with op.batch_alter_table("invitations") as batch:
        batch.drop_index("ix_invitations_awarding_body_id")
        batch.drop_constraint("fk_invitations_awarding_body_id", type_="foreignkey")
        batch.drop_column("awarding_body_id")
        batch.alter_column("centre_id", existing_type=sa.String(length=36), nullable=False)
