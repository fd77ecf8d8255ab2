"""Migration 0008 on a database that already met the races it closes: two status lists
made for one awarding body and purpose, one code published by two awarding bodies."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from tests.conftest import PG_DSN, _pg_admin
from vnfil.migrations import alembic_config, upgrade
from vnfil.platform.db import sync_url
from vnfil.platform.settings import Settings


@pytest.fixture
def empty_db(db_kind: str, tmp_path: Path) -> Iterator[Settings]:
    if db_kind == "sqlite":
        yield Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'm.db'}", database_schema="")
        return
    schema = f"vnfil_mig_{uuid.uuid4().hex[:12]}"
    url = PG_DSN.replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield Settings(database_url=url, database_schema=schema)
    finally:
        _pg_admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _engine(settings: Settings):  # type: ignore[no-untyped-def]
    args = {}
    if settings.database_schema:
        args = {"options": f"-csearch_path={settings.database_schema}"}
    return create_engine(sync_url(settings), connect_args=args)


def test_0008_numbers_raced_lists_and_gives_each_code_one_owner(empty_db: Settings) -> None:
    upgrade(empty_db, "0007")
    engine = _engine(empty_db)
    now = "2026-01-01 00:00:00"
    with engine.begin() as conn:
        for body in ("b1", "b2"):
            conn.execute(
                text("INSERT INTO awarding_bodies (id, name, country) VALUES (:id, :id, 'PL')"),
                {"id": body},
            )
        for list_id in ("l1", "l2", "l3"):
            conn.execute(
                text(
                    "INSERT INTO status_lists (id, awarding_body_id, purpose, size, bits,"
                    " credential, updated_at) VALUES (:id, :body, 'revocation', 8, :bits,"
                    " '{}', :now)"
                ),
                {
                    "id": list_id,
                    "body": "b2" if list_id == "l3" else "b1",
                    "bits": b"\0",
                    "now": now,
                },
            )
        for sid, version, body in (("s1", 1, "b1"), ("s2", 2, "b2"), ("s3", 1, "b2")):
            conn.execute(
                text(
                    "INSERT INTO standards (id, code, version, title, awarding_body_id, document)"
                    " VALUES (:id, :code, :v, 't', :body, '{}')"
                ),
                {"id": sid, "code": "shared" if sid != "s3" else "own", "v": version, "body": body},
            )
    upgrade(empty_db)
    with engine.connect() as conn:
        lists = conn.execute(
            text("SELECT awarding_body_id, number, version FROM status_lists ORDER BY id")
        ).all()
        owners = dict(conn.execute(text("SELECT code, awarding_body_id FROM standard_codes")).all())
    assert sorted(lists) == [("b1", 0, 1), ("b1", 1, 1), ("b2", 0, 1)]
    assert owners == {"shared": "b1", "own": "b2"}
    # And back: 0008 comes off cleanly, and goes on again.
    command.downgrade(alembic_config(empty_db), "0007")
    upgrade(empty_db)
    engine.dispose()
