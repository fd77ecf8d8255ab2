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
    # The audit trail and the stage records are views too: every link stays, but the
    # candidate reads no storage key, no conflict and no decision before the result.
    trail = ok(await w.http.get(f"{run.url}/audit", headers=run.candidate.auth))
    assert trail["valid"] is True
    actions = [e["action"] for e in trail["entries"]]
    assert actions.count("conflict.declared") == 2 and "decision.recorded" in actions
    hidden = {e["action"] for e in trail["entries"] if e["redacted"]}
    assert hidden == {"conflict.declared", "decision.recorded"}
    for e in trail["entries"]:
        if e["redacted"]:
            assert e["details"] == {} and e["actor_id"] is None and e["hash"]
    assert "cases/" not in json.dumps(trail) and "trained" not in json.dumps(trail)
    assert outsider.id not in json.dumps(trail)  # named only in the centre's declaration
    records = ok(await w.http.get(f"{run.url}/stage-records", headers=run.candidate.auth))
    assert [r["stage"] for r in records] == ["identification", "documentation"]
    assert all(r["object_key"] is None and r["sha256"] for r in records)
    assert "cases/" not in json.dumps(records)
    # Another assessor on the panel reads neither declaration (the conflicted one has
    # left the panel, and with it the case).
    theirs = ok(await w.http.get(f"{run.url}/audit", headers=other.auth))
    declared = [e for e in theirs["entries"] if e["action"] == "conflict.declared"]
    assert [e["redacted"] for e in declared] == [True, True]
    assert "cases/" not in json.dumps(theirs) and "trained" not in json.dumps(theirs)
    assert any(e["action"] == "decision.recorded" and not e["redacted"] for e in theirs["entries"])
    # The centre reads everything it keeps.
    full = ok(await w.http.get(f"{run.url}/audit", headers=w.admin.auth))
    assert not any(e["redacted"] for e in full["entries"]) and "trained" in json.dumps(full)
    kept = ok(await w.http.get(f"{run.url}/stage-records", headers=w.admin.auth))
    assert all(r["object_key"].startswith(f"cases/{run.case_id}/") for r in kept)

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


def test_audit_view_shows_decisions_once_concluded_and_conflicts_to_those_they_concern() -> None:
    from vnfil.cases.view import audit_view

    def entry(seq: int, action: str, actor: str, **details: object) -> dict:
        return {
            "seq": seq,
            "actor_id": actor,
            "actor_role": "x",
            "action": action,
            "details": details,
            "hash": f"h{seq}",
        }

    trail = [
        entry(0, "conflict.declared", "as1", user_id="as1", reason="trained them"),
        entry(1, "identity.checked", "sup", photo={"object_key": "cases/c/p.jpg", "sha256": "s"}),
        entry(2, "decision.recorded", "as2", lo_id="LO1", achieved=True),
        entry(3, "assessment.concluded", "as2", result="full"),
        entry(4, "decision.recorded", "as3", lo_id="LO1", achieved=False),  # the appeal panel
    ]
    cand = audit_view(trail, "cand", "candidate", "cand")
    assert [e["redacted"] for e in cand] == [True, False, False, False, True]
    assert cand[1]["details"]["photo"] == {"object_key": None, "sha256": "s"}
    declarer = audit_view(trail, "as1", "assessor", "cand")
    assert declarer[0]["details"]["reason"] == "trained them" and not declarer[4]["redacted"]
    assert audit_view(trail, "as2", "assessor", "cand")[0]["redacted"]
    admin = audit_view(trail, "adm", "centre_admin", "cand")
    assert admin[1]["details"]["photo"]["object_key"] == "cases/c/p.jpg"
