"""Migration 0027 counts each credential's validated outcomes from its document."""

from __future__ import annotations

import json

from sqlalchemy import text

from tests.test_migration_0008 import _engine, empty_db  # noqa: F401 (a fixture)
from tests.test_migration_0019 import NOW, _credential
from vnfil.credentials.document import COMPETENCY
from vnfil.migrations import upgrade
from vnfil.platform.settings import Settings


def _document(outcomes: int) -> str:
    alignment = [{"targetType": COMPETENCY, "targetCode": f"LO{i}"} for i in range(outcomes)]
    alignment.append({"targetType": "ext:EQF", "targetCode": "4"})  # a level, not an outcome
    return json.dumps({"credentialSubject": {"achievement": {"alignment": alignment}}})


def test_0027_counts_each_credentials_outcomes(empty_db: Settings) -> None:  # noqa: F811
    upgrade(empty_db, "0026")
    engine = _engine(empty_db)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO awarding_bodies (id, name, country) VALUES ('b1', 'B', 'PL')")
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
        for cid, n in (("cr1", 3), ("cr2", 0), ("cr3", 1)):
            _credential(conn, cid, None, holder_id="u1", document=_document(n))
    upgrade(empty_db)
    with engine.begin() as conn:
        rows = conn.execute(text("SELECT id, outcome_count FROM credentials ORDER BY id"))
        assert [tuple(r) for r in rows] == [("cr1", 3), ("cr2", 0), ("cr3", 1)]
    engine.dispose()
