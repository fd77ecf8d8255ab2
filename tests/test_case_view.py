"""Each person sees the case built for their role, never the workflow's own state."""

from __future__ import annotations

import json

from tests.factories import make_world, new_case, ok
from vnfil.accounts.schemas import Role


async def test_each_role_sees_its_own_view_of_the_case(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.identify())
    await run.add_default_evidence()
    ok(await run.assign(n=3))
    ok(await run.submit())
    ok(await run.verify_identity())
    conflicted, other = run.assessors[2], run.assessors[1]
    ok(
        await w.http.post(
            f"{run.url}/conflicts",
            json={"reason": "I trained this candidate last year"},
            headers=conflicted.auth,
        )
    )
    # The centre records one more, about someone not on the panel.
    outsider = await w.person(Role.assessor)
    ok(
        await w.http.post(
            f"{run.url}/conflicts",
            json={"user_id": outsider.id, "reason": "related to the candidate"},
            headers=w.admin.auth,
        )
    )
    ok(await run.decide(run.assessors[0]))

    async def seen_by(who) -> dict:  # type: ignore[no-untyped-def]
        return ok(await w.http.get(f"{run.url}/status", headers=who.auth))

    mine = await seen_by(run.candidate)
    raw = json.dumps(mine)
    # No storage keys, no one's conflicts, no bookkeeping, no decisions before the result.
    assert "cases/" not in raw and "object_key" not in json.dumps(
        {k: v for k, v in mine.items() if k not in ("evidence", "manifest")}
    )
    assert all(e["object_key"] is None for e in mine["evidence"])
    assert all(m["object_key"] is None for m in mine["manifest"])
    assert len(mine["manifest"]) == 2 and all(m["sha256"] for m in mine["manifest"])
    assert mine["conflicts"] == [] and "trained" not in raw
    assert mine["decisions"] == [] and mine["credential_key"] is None
    for hidden in ("reminders_sent", "extras_bytes", "panels_assigned", "bounded"):
        assert hidden not in mine
    # A step's answer is the same view.
    answer = ok(
        await w.http.post(
            f"{run.url}/withdrawal", json={"reason": "changed my mind"}, headers=run.candidate.auth
        )
    )
    assert answer["status"] == "withdrawn" and "cases/" not in json.dumps(answer)

    # Staff see only the conflicts that concern them (the conflicted assessor has left
    # the panel, and with it the case).
    assert (await w.http.get(f"{run.url}/status", headers=conflicted.auth)).status_code == 403
    assert (await seen_by(other))["conflicts"] == []
    assert "cases/" not in json.dumps(await seen_by(other))
    # The centre sees everything it keeps, keys included.
    admin = await seen_by(w.admin)
    assert {c["user_id"] for c in admin["conflicts"]} == {conflicted.id, outsider.id}
    assert all(e["object_key"].startswith(f"cases/{run.case_id}/") for e in admin["evidence"])
    assert "reminders_sent" not in admin
