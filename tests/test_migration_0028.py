"""Migration 0028: a centre's staff are one range of a partial (centre, role) index, even
where nearly every membership is a candidate's (no centre) and the database's planner
has statistics: SQLite's used to count those rows as one value and scan the table."""

from __future__ import annotations

from sqlalchemy import text

from tests.test_migration_0008 import _engine, empty_db  # noqa: F401 (a fixture)
from tests.test_migration_0019 import NOW
from vnfil.accounts.schemas import Role
from vnfil.accounts.service import centre_staff
from vnfil.migrations import upgrade
from vnfil.platform.settings import Settings

CANDIDATES = 3000


def test_0028_finds_a_centres_staff_without_reading_candidates(empty_db: Settings) -> None:  # noqa: F811
    upgrade(empty_db)
    engine = _engine(empty_db)
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO centres (id, name, country, created_at) VALUES ('c1', 'C', 'PL', :t)"
            ),
            {"t": NOW},
        )
        people = [
            {"id": f"u{i}", "email": f"u{i}@x.pl", "role": "candidate", "t": NOW}
            for i in range(CANDIDATES + 3)
        ]
        conn.execute(
            text(
                "INSERT INTO users (id, name, email, role, token_hash, created_at)"
                " VALUES (:id, :id, :email, :role, :id, :t)"
            ),
            people,
        )
        rows = [
            {"id": f"m{i}", "user": f"u{i}", "role": "candidate", "centre": None, "t": NOW}
            for i in range(CANDIDATES)
        ] + [
            {"id": "s1", "user": f"u{CANDIDATES}", "role": "assessor", "centre": "c1", "t": NOW},
            {
                "id": "s2",
                "user": f"u{CANDIDATES + 1}",
                "role": "supervisor",
                "centre": "c1",
                "t": NOW,
            },
            {
                "id": "s3",
                "user": f"u{CANDIDATES + 2}",
                "role": "counsellor",
                "centre": "c1",
                "t": NOW,
            },
        ]
        conn.execute(
            text(
                "INSERT INTO memberships (id, user_id, role, centre_id, created_at)"
                " VALUES (:id, :user, :role, :centre, :t)"
            ),
            rows,
        )
        conn.execute(text("ANALYZE"))
    statement = centre_staff("c1", Role.assessor, Role.supervisor)
    sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.begin() as conn:
        found = conn.execute(statement).all()
        assert sorted(tuple(r) for r in found) == [
            (f"u{CANDIDATES}", f"u{CANDIDATES}", "assessor"),
            (f"u{CANDIDATES + 1}", f"u{CANDIDATES + 1}", "supervisor"),
        ]
        if sqlite:
            plan = " | ".join(r[3] for r in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            assert "SEARCH memberships USING INDEX ix_memberships_centre_role" in plan, plan
        else:  # PostgreSQL's statistics see the NULLs; it may use the partial index
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " | ".join(r[0] for r in conn.execute(text(f"EXPLAIN {sql}")))
            assert "ix_memberships_centre_role" in plan, plan
        assert "SCAN memberships" not in plan and "Seq Scan on memberships" not in plan, plan
    engine.dispose()
