"""Every list pages by keyset: an index per list on (its filters, then its order, then
the row's id), and each credential names the centre whose case issued it (so a centre's
list of credentials reads its own index instead of joining every case)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

# (table, index, columns): the same as the models' ``__table_args__``.
INDEXES = [
    ("cases", "ix_cases_centre_created", ["centre_id", "created_at", "id"]),
    ("cases", "ix_cases_centre_stage_created", ["centre_id", "stage", "created_at", "id"]),
    ("cases", "ix_cases_centre_status_created", ["centre_id", "status", "created_at", "id"]),
    ("cases", "ix_cases_candidate_created", ["candidate_id", "created_at", "id"]),
    ("credentials", "ix_credentials_body_issued", ["awarding_body_id", "issued_at", "id"]),
    ("credentials", "ix_credentials_holder_issued", ["holder_id", "issued_at", "id"]),
    ("credentials", "ix_credentials_centre_issued", ["centre_id", "issued_at", "id"]),
    ("events", "ix_events_body_seq", ["awarding_body_id", "seq"]),
    ("events", "ix_events_funder_seq", ["funder_id", "seq"]),
    (
        "webhook_subscriptions",
        "ix_webhook_subscriptions_body_created",
        ["awarding_body_id", "created_at", "id"],
    ),
    (
        "webhook_subscriptions",
        "ix_webhook_subscriptions_funder_created",
        ["funder_id", "created_at", "id"],
    ),
    ("webhook_deliveries", "ix_webhook_deliveries_subscription_latest", ["subscription_id", "id"]),
    ("notifications", "ix_notifications_recipient_created", ["recipient_id", "created_at", "id"]),
    ("invitations", "ix_invitations_centre_created", ["centre_id", "created_at", "id"]),
    ("invitations", "ix_invitations_body_created", ["awarding_body_id", "created_at", "id"]),
    ("accreditations", "ix_accreditations_created", ["created_at", "id"]),
    ("accreditations", "ix_accreditations_centre_created", ["centre_id", "created_at", "id"]),
    ("accreditations", "ix_accreditations_body_created", ["awarding_body_id", "created_at", "id"]),
    ("accreditations", "ix_accreditations_code_created", ["standard_code", "created_at", "id"]),
    ("awarding_bodies", "ix_awarding_bodies_name", ["name", "id"]),
    ("centres", "ix_centres_name", ["name", "id"]),
    ("centres", "ix_centres_country_name", ["country", "name", "id"]),
    ("entitlements", "ix_entitlements_funder_valid_from", ["funder_id", "valid_from", "id"]),
    ("programmes", "ix_programmes_funder_created", ["funder_id", "created_at", "id"]),
    ("programmes", "ix_programmes_created", ["created_at", "id"]),
    (
        "funding_requests",
        "ix_funding_requests_funder_status_updated",
        ["funder_id", "status", "updated_at", "key"],
    ),
    ("funding_requests", "ix_funding_requests_funder_updated", ["funder_id", "updated_at", "key"]),
    ("cohorts", "ix_cohorts_funder_created", ["funder_id", "created_at", "id"]),
]


def upgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(sa.Column("centre_id", sa.String(length=36), nullable=True))
        batch.create_foreign_key("fk_credentials_centre_id", "centres", ["centre_id"], ["id"])
    op.execute(
        sa.text(
            "UPDATE credentials SET centre_id ="
            " (SELECT cases.centre_id FROM cases WHERE cases.id = credentials.case_id)"
            " WHERE case_id IS NOT NULL"
        )
    )
    # (centre_id, created_at) becomes (centre_id, created_at, id): the same name, the
    # order's tie-break added.
    op.drop_index("ix_cases_centre_created", table_name="cases")
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for table, name, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.create_index("ix_cases_centre_created", "cases", ["centre_id", "created_at"])
    with op.batch_alter_table("credentials") as batch:
        batch.drop_constraint("fk_credentials_centre_id", type_="foreignkey")
        batch.drop_column("centre_id")
