"""The audit trail: every action appended to a hash chain; any change is found."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import delete, update
from typer.testing import CliRunner

from tests.factories import make_world, new_case, ok
from vnfil.cases.models import AuditEntry
from vnfil.cli import app as cli

ACTIONS = [
    "case.opened",
    "counselling.recorded",
    "identification.completed",
    "evidence.added",
    "evidence.added",
    "panel.assigned",
    "portfolio.submitted",
    "identity.checked",
    "decision.recorded",
    "decision.recorded",
    "assessment.concluded",
    "result.accepted",
    "credential.issued",
]


async def _finished_case(stack):  # type: ignore[no-untyped-def]
    w = await make_world(stack)
    run = await new_case(w)
    await run.ready_for_decisions()
    for a in run.assessors:
        ok(await run.decide(a))
    ok(await run.accept())
    ok(await run.certify())
    return w, run


async def test_every_action_is_chained_and_verifies(stack) -> None:
    w, run = await _finished_case(stack)
    trail = ok(await w.http.get(f"{run.url}/audit", headers=w.admin.auth))
    assert trail["valid"] is True
    entries = trail["entries"]
    assert [e["action"] for e in entries] == ACTIONS
    assert [e["seq"] for e in entries] == list(range(len(ACTIONS)))
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(entries, entries[1:], strict=False))
    actors = {e["action"]: e["actor_id"] for e in entries}
    assert actors["identity.checked"] == run.supervisor.id  # type: ignore[union-attr]
    assert actors["case.opened"] == run.candidate.id


async def test_tampered_entry_is_named(stack, tmp_path: Path) -> None:
    w, run = await _finished_case(stack)
    async with stack.sessions.begin() as session:
        await session.execute(
            update(AuditEntry)
            .where(AuditEntry.case_id == run.case_id, AuditEntry.seq == 8)
            .values(details={"decisions": "all achieved, honestly"})
        )
    trail = ok(await w.http.get(f"{run.url}/audit", headers=w.admin.auth))
    assert trail["valid"] is False and trail["first_broken_seq"] == 8
    assert "hash" in trail["reason"]
    # The CLI says the same, against the same database.
    env = {
        "VNFIL_DATABASE_URL": stack.settings.database_url,
        "VNFIL_DATABASE_SCHEMA": stack.settings.database_schema,
    }
    from vnfil.platform.settings import get_settings

    get_settings.cache_clear()
    try:
        result = await asyncio.to_thread(
            CliRunner().invoke, cli, ["audit", "verify", run.case_id], env=env
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1, result.output
    assert "broken at entry 8" in result.output


async def test_removed_entry_breaks_the_chain(stack) -> None:
    w, run = await _finished_case(stack)
    async with stack.sessions.begin() as session:
        await session.execute(
            delete(AuditEntry).where(AuditEntry.case_id == run.case_id, AuditEntry.seq == 3)
        )
    trail = ok(await w.http.get(f"{run.url}/audit", headers=w.admin.auth))
    assert trail["valid"] is False and trail["first_broken_seq"] == 3
    assert "missing" in trail["reason"]
