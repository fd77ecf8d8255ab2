"""Migration 0009 on a database with cases from before accreditation: each centre keeps
validating the codes it already ran (a year, for its awarding body to review)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

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
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT centre_id, standard_code, awarding_body_id, min_version, max_version,"
                " status, qa_reference FROM accreditations"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("c1", "code-a", "b1", 1, None, "active", "vnfil migration 0009")
    ]  # one per centre and code; c2 ran nothing and gets nothing
    command.downgrade(alembic_config(empty_db), "0008")
    upgrade(empty_db)
    engine.dispose()
