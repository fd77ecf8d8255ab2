"""Migration 0009 on a database with cases from before accreditation: each centre keeps
validating the codes it already ran (a year, for its awarding body to review)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import Engine, inspect, text

from tests.test_migration_0008 import _engine, empty_db  # noqa: F401 (a fixture)
from vnfil.migrations import alembic_config, upgrade
from vnfil.platform.settings import Settings


def test_0009_accredits_centres_for_the_codes_they_already_ran(empty_db: Settings) -> None:  # noqa: F811
    upgrade(empty_db, "0008")
    engine = _engine(empty_db)
    now = "2026-01-01 00:00:00"
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO awarding_bodies (id, name, country) VALUES ('b1', 'B', 'PL')")
        )
        for centre in ("c1", "c2"):
            conn.execute(
                text("INSERT INTO centres (id, name, country) VALUES (:id, :id, 'PL')"),
                {"id": centre},
            )
        conn.execute(
            text(
                "INSERT INTO users (id, name, email, role, token_hash, created_at)"
                " VALUES ('u1', 'U', 'u@x.pl', 'candidate', 'h', :now)"
            ),
            {"now": now},
        )
        for sid, version in (("s1", 1), ("s2", 2)):
            conn.execute(
                text(
                    "INSERT INTO standards (id, code, version, title, awarding_body_id, document)"
                    " VALUES (:id, 'code-a', :v, 't', 'b1', '{}')"
                ),
                {"id": sid, "v": version},
            )
        for cid, sid in (("k1", "s1"), ("k2", "s2"), ("k3", "s1")):  # c1 ran code-a twice
            conn.execute(
                text(
                    "INSERT INTO cases (id, workflow_id, centre_id, standard_id, candidate_id,"
                    " stage, created_at, updated_at)"
                    " VALUES (:id, :wf, 'c1', :sid, 'u1', 'identification', :now, :now)"
                ),
                {"id": cid, "wf": f"case-{cid}", "sid": sid, "now": now},
            )
    upgrade(empty_db)
    expected = [("c1", "code-a", "b1", 1, None, "active", "vnfil migration 0009")]
    # One per centre and code; c2 ran nothing and gets nothing.
    assert _backfilled(engine) == expected
    # And back: 0009 comes off cleanly (its table with it), and goes on again, granting
    # the same accreditations afresh.
    command.downgrade(alembic_config(empty_db), "0008")
    assert "accreditations" not in inspect(engine).get_table_names()
    upgrade(empty_db)
    assert "accreditations" in inspect(engine).get_table_names()
    assert {i["name"] for i in inspect(engine).get_indexes("accreditations")} >= {
        "ix_accreditations_awarding_body_id",
        "ix_accreditations_centre_code",
    }
    assert _backfilled(engine) == expected
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM cases")).scalar_one() == 3  # untouched
    engine.dispose()


def _backfilled(engine: Engine) -> list[tuple[object, ...]]:
    """The accreditations the migration granted, each checked to last one year from now."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT centre_id, standard_code, awarding_body_id, min_version, max_version,"
                " status, qa_reference, valid_from, valid_until, scope, qa_body, id"
                " FROM accreditations ORDER BY centre_id, standard_code"
            )
        ).all()
    now = datetime.now(UTC)
    for row in rows:
        start, end = (_utc(v) for v in (row.valid_from, row.valid_until))
        assert now - timedelta(minutes=5) < start <= now, start
        assert end - start == timedelta(days=365)
        assert row.scope == "cases opened before accreditation was recorded"
        assert row.qa_body == "not recorded"
        assert uuid.UUID(row.id)
    return [tuple(r)[:7] for r in rows]


def _utc(value: datetime | str) -> datetime:
    """SQLite hands back the stored text; PostgreSQL a datetime."""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when if when.tzinfo else when.replace(tzinfo=UTC)
