"""Migration 0025 on a database with credentials from before it: each credential of a
case names that case's centre (a claimed one, none); and afterwards the migrated schema
is the one the models describe, every list's index included."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from tests.test_migration_0008 import _engine, empty_db  # noqa: F401 (a fixture)
from tests.test_migration_0019 import NOW, _credential
from vnfil.migrations import alembic_config, upgrade
from vnfil.models import metadata
from vnfil.platform.settings import Settings


def test_0025_names_each_credentials_centre_and_matches_the_models(
    empty_db: Settings,  # noqa: F811
) -> None:
    upgrade(empty_db, "0024")
    engine = _engine(empty_db)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO awarding_bodies (id, name, country) VALUES ('b1', 'B', 'PL')")
        )
        for centre in ("c1", "c2"):
            conn.execute(
                text("INSERT INTO centres (id, name, country) VALUES (:id, 'C', 'PL')"),
                {"id": centre},
            )
        conn.execute(
            text(
                "INSERT INTO users (id, name, email, role, token_hash, created_at)"
                " VALUES ('u1', 'U', 'u@x.pl', 'candidate', 'h', :now)"
            ),
            {"now": NOW},
        )
        conn.execute(
            text(
                "INSERT INTO standards (id, code, version, title, awarding_body_id, document)"
                " VALUES ('s1', 'code-a', 1, 't', 'b1', '{}')"
            )
        )
        for case, centre in (("k1", "c1"), ("k2", "c2")):
            conn.execute(
                text(
                    "INSERT INTO cases (id, workflow_id, centre_id, standard_id, candidate_id,"
                    " stage, created_at, updated_at)"
                    " VALUES (:id, :wf, :centre, 's1', 'u1', 'completed', :now, :now)"
                ),
                {"id": case, "wf": f"case-{case}", "centre": centre, "now": NOW},
            )
        _credential(conn, "cr1", "k1", holder_id="u1")
        _credential(conn, "cr2", "k2", holder_id="u1")
        _credential(conn, "cr3", None, holder_id="u1")  # claimed from units: no case
    upgrade(empty_db, "0025")
    with engine.begin() as conn:
        rows = conn.execute(text("SELECT id, centre_id FROM credentials ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [("cr1", "c1"), ("cr2", "c2"), ("cr3", None)]
    # And back, and forward to the head: its schema is the models', index by index.
    command.downgrade(alembic_config(empty_db), "0024")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM credentials")).scalar() == 3
    upgrade(empty_db)
    with engine.connect() as conn:
        drift = compare_metadata(MigrationContext.configure(conn), metadata)
        assert drift == [], drift
    engine.dispose()
