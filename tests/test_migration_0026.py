"""Migration 0026 counts the tallies of the cases already there, as the running ones
would have: cases per status, open ones per stage and per assessor, stage times,
outcomes assessed and achieved."""

from __future__ import annotations

import json

from alembic.script import ScriptDirectory
from sqlalchemy import text

from tests.test_migration_0008 import _engine, empty_db  # noqa: F401 (a fixture)
from vnfil.cases.tallies import bucket_of
from vnfil.migrations import alembic_config, upgrade
from vnfil.platform.settings import Settings

OPENED = "2026-01-01 00:00:00"


def test_0026_counts_the_cases_already_there(empty_db: Settings) -> None:  # noqa: F811
    config = alembic_config(empty_db)
    before = ScriptDirectory.from_config(config).get_revision("0026").down_revision
    assert isinstance(before, str)
    upgrade(empty_db, before)
    engine = _engine(empty_db)
    with engine.begin() as conn:
        run = lambda sql, **values: conn.execute(text(sql), values)  # noqa: E731
        run("INSERT INTO awarding_bodies (id, name, country) VALUES ('b1', 'B', 'PL')")
        run("INSERT INTO centres (id, name, country) VALUES ('c1', 'C', 'PL')")
        for user in ("u1", "a1", "a2"):
            run(
                "INSERT INTO users (id, name, email, role, token_hash, created_at)"
                " VALUES (:id, :id, :email, 'candidate', :id, :at)",
                id=user,
                email=f"{user}@x.pl",
                at=OPENED,
            )
        run(
            "INSERT INTO standards (id, code, version, title, awarding_body_id, document)"
            " VALUES ('s1', 'code-a', 1, 't', 'b1', '{}')"
        )
        for case, stage, status in (("k1", "completed", "completed"), ("k2", "assessment", "open")):
            run(
                "INSERT INTO cases (id, workflow_id, centre_id, standard_id, candidate_id,"
                " stage, status, created_at, updated_at)"
                " VALUES (:id, :wf, 'c1', 's1', 'u1', :stage, :status, :at, :at)",
                id=case,
                wf=f"case-{case}",
                stage=stage,
                status=status,
                at=OPENED,
            )
        for user in ("a1", "a2"):
            run(
                "INSERT INTO case_assignments (case_id, user_id, role)"
                " VALUES ('k2', :u, 'assessor')",
                u=user,
            )
        assessment = {
            "at": "2026-01-03T00:00:00+00:00",
            "inputs": {
                "result": "partial",
                "decisions": [{"decisions": [{"lo_id": "LO1"}, {"lo_id": "LO2"}]}],
                "achieved_lo_ids": ["LO1"],
            },
        }
        for stage, record in (
            ("identification", {"at": "2026-01-02T00:00:00+00:00"}),
            ("assessment", assessment),
        ):
            run(
                "INSERT INTO stage_records (id, case_id, stage, object_key, sha256, record,"
                " created_at) VALUES (:id, 'k1', :stage, 'k', 'h', :record, :at)",
                id=f"r-{stage}",
                stage=stage,
                record=json.dumps(record),
                at=OPENED,
            )
    upgrade(empty_db)
    with engine.begin() as conn:
        rows = conn.execute(text("SELECT kind, key, bucket, n FROM centre_tallies")).all()
    day = bucket_of(86400)
    assert sorted(tuple(r) for r in rows) == sorted(
        [
            ("status", "completed", 0, 1),
            ("status", "open", 0, 1),
            ("open_stage", "assessment", 0, 1),
            ("assessor_open", "a1", 0, 1),
            ("assessor_open", "a2", 0, 1),
            ("stage_time", "identification", day, 1),
            ("stage_time", "assessment", day, 1),
            ("lo_assessed", "LO1", 0, 1),
            ("lo_assessed", "LO2", 0, 1),
            ("lo_achieved", "LO1", 0, 1),
        ]
    )
    engine.dispose()
