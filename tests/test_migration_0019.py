"""Migration 0019 on a database with credentials from before units: each keeps its
holder (the case's candidate); afterwards a case may have several credentials and a
claimed credential none."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from tests.test_migration_0008 import _engine, empty_db  # noqa: F401 (a fixture)
from vnfil.migrations import alembic_config, upgrade
from vnfil.platform.settings import Settings

NOW = "2026-01-01 00:00:00"


def _credential(conn, cid: str, case_id: str | None, **more: str) -> None:  # type: ignore[no-untyped-def]
    columns = {
        "id": cid,
        "case_id": case_id,
        "standard_id": "s1",
        "awarding_body_id": "b1",
        "object_key": f"credentials/{cid}.json",
        "sha256": "ab" * 32,
        "document": "{}",
        "issued_at": NOW,
        **more,
    }
    names = ", ".join(columns)
    conn.execute(
        text(f"INSERT INTO credentials ({names}) VALUES ({', '.join(':' + c for c in columns)})"),
        columns,
    )


def test_0019_gives_each_credential_its_holder(empty_db: Settings) -> None:  # noqa: F811
    config = alembic_config(empty_db)
    before = ScriptDirectory.from_config(config).get_revision("0019").down_revision
    assert isinstance(before, str)
    upgrade(empty_db, before)
    engine = _engine(empty_db)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO awarding_bodies (id, name, country) VALUES ('b1', 'B', 'PL')")
        )
        conn.execute(text("INSERT INTO centres (id, name, country) VALUES ('c1', 'C', 'PL')"))
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
        conn.execute(
            text(
                "INSERT INTO cases (id, workflow_id, centre_id, standard_id, candidate_id,"
                " stage, created_at, updated_at)"
                " VALUES ('k1', 'case-k1', 'c1', 's1', 'u1', 'completed', :now, :now)"
            ),
            {"now": NOW},
        )
        _credential(conn, "cr1", "k1")
    upgrade(empty_db)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT holder_id FROM credentials")).scalars().all() == ["u1"]
        # A unit's credential beside the case's, and one claimed from units (no case).
        _credential(conn, "cr2", "k1", holder_id="u1", unit_id="WS")
        _credential(conn, "cr3", None, holder_id="u1")
        rows = conn.execute(text("SELECT id, case_id FROM credentials ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [("cr1", "k1"), ("cr2", "k1"), ("cr3", None)]
    # And back: the claimed credential and the extra unit's go with what they need.
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM credentials WHERE id = 'cr2'"))
    command.downgrade(config, before)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT id FROM credentials")).scalars().all() == ["cr1"]
    upgrade(empty_db)
    engine.dispose()
