"""OpenID4VCI offers record which configuration went to the wallet (the Open Badges
credential, or the EU wallet's Learning Credential as an SD-JWT VC)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credential_offers") as batch:
        batch.add_column(sa.Column("configuration", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("credential_offers") as batch:
        batch.drop_column("configuration")
