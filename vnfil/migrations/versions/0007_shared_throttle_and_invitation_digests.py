"""accounts: sign-in throttle shared in the database, invitation tokens kept as digests

The invitations table already kept only the SHA-256 of each token; the outbox kept the
whole link in plaintext. From now on an invitation's message is sealed until it is sent
(``notifications.sealed_body``) and ``body`` holds the text with the token redacted.
Links already written in plaintext are redacted here, and the invitations they belong to
(not yet accepted) expire now: a copy of the database taken before this upgrade must not
open an account. Their centres invite again.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 17:00:00
"""

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_LINK = re.compile(r"/invitations/inv_[A-Za-z0-9_-]+")
REDACTED = "/invitations/[sent by e-mail only]"


def upgrade() -> None:
    op.create_table(
        "sign_in_attempts",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("sign_in_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sign_in_attempts_window_start"), ["window_start"], unique=False
        )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_web_sessions_expires_at"), ["expires_at"], unique=False
        )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed_body", sa.LargeBinary(), nullable=True))

    notifications = sa.table(
        "notifications",
        sa.column("id", sa.String),
        sa.column("template", sa.String),
        sa.column("body", sa.String),
    )
    invitations = sa.table(
        "invitations",
        sa.column("id", sa.String),
        sa.column("expires_at", sa.DateTime(timezone=True)),
        sa.column("accepted_at", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(notifications.c.id, notifications.c.body).where(
            notifications.c.template == "invitation"
        )
    ).fetchall()
    now = datetime.now(UTC)
    for row in rows:
        if not _LINK.search(row.body):
            continue
        bind.execute(
            notifications.update()
            .where(notifications.c.id == row.id)
            .values(body=_LINK.sub(REDACTED, row.body))
        )
        invitation_id = row.id.removeprefix("invitation:")
        bind.execute(
            invitations.update()
            .where(invitations.c.id == invitation_id, invitations.c.accepted_at.is_(None))
            .values(expires_at=now)
        )


def downgrade() -> None:
    # Sealed messages cannot be kept in the old shape: their plaintext is not restored.
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("sealed_body")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_expires_at"))
    with op.batch_alter_table("sign_in_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_attempts_window_start"))
    op.drop_table("sign_in_attempts")
