"""Unit credentials and claims of the full credential from them: a case may issue several
credentials (one per unit achieved, and the full one), a credential claimed from units
has no case, so each credential names its holder

Revision ID: 0019
Revises: 0018 (to be re-pointed at 0018 on merge)
Create Date: 2026-12-04 18:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# SQLite reflects the unnamed UNIQUE (case_id) of 0001 without a name: give it one.
_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _unique_case_id() -> str:
    """The name the UNIQUE (case_id) of 0001 has: PostgreSQL's own, or ours on SQLite."""
    return (
        "uq_credentials_case_id"
        if op.get_bind().dialect.name == "sqlite"
        else ("credentials_case_id_key")
    )


def _drop_unique_case_id() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("credentials", naming_convention=_NAMES) as batch:
            batch.drop_constraint("uq_credentials_case_id", type_="unique")
    else:
        op.drop_constraint("credentials_case_id_key", "credentials", type_="unique")


def upgrade() -> None:
    _drop_unique_case_id()
    with op.batch_alter_table("credentials") as batch:
        batch.alter_column("case_id", existing_type=sa.String(length=36), nullable=True)
        batch.add_column(sa.Column("holder_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("unit_id", sa.String(length=40), nullable=True))
        batch.create_foreign_key("fk_credentials_holder_id", "users", ["holder_id"], ["id"])
        batch.create_index("ix_credentials_case_id", ["case_id"])
        batch.create_index("ix_credentials_holder_id", ["holder_id"])
    # Every credential so far was issued by a case: its holder is the case's candidate.
    op.execute(
        "UPDATE credentials SET holder_id = "
        "(SELECT cases.candidate_id FROM cases WHERE cases.id = credentials.case_id)"
    )
    with op.batch_alter_table("credentials") as batch:
        batch.alter_column("holder_id", existing_type=sa.String(length=36), nullable=False)
    op.create_table(
        "qualification_claims",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("claim_key", sa.String(length=64), nullable=False),
        sa.Column("holder_id", sa.String(length=36), nullable=False),
        sa.Column("standard_id", sa.String(length=36), nullable=False),
        sa.Column("unit_credential_ids", sa.JSON(), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["users.id"], name="fk_qualification_claims_holder_id"
        ),
        sa.ForeignKeyConstraint(
            ["standard_id"], ["standards.id"], name="fk_qualification_claims_standard_id"
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"], ["credentials.id"], name="fk_qualification_claims_credential_id"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("claim_key", name="uq_qualification_claims_claim_key"),
    )
    op.create_index("ix_qualification_claims_holder_id", "qualification_claims", ["holder_id"])


def downgrade() -> None:
    op.drop_index("ix_qualification_claims_holder_id", table_name="qualification_claims")
    op.drop_table("qualification_claims")
    op.execute("DELETE FROM credentials WHERE case_id IS NULL")
    with op.batch_alter_table("credentials") as batch:
        batch.drop_index("ix_credentials_holder_id")
        batch.drop_index("ix_credentials_case_id")
        batch.drop_constraint("fk_credentials_holder_id", type_="foreignkey")
        batch.drop_column("unit_id")
        batch.drop_column("holder_id")
        batch.alter_column("case_id", existing_type=sa.String(length=36), nullable=False)
        batch.create_unique_constraint(_unique_case_id(), ["case_id"])
