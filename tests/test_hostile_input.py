"""Input that used to kill or wedge a case: each is refused with the field it breaks, and
the case goes on taking correct steps afterwards (on both databases: PostgreSQL is the one
that cannot store a NUL byte)."""

from __future__ import annotations

from tests.factories import make_world, new_case, ok


async def test_oversized_and_nul_texts_are_refused_and_the_case_goes_on(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.counsel())
    los = [lo.id for lo in w.standard.learning_outcomes]

    def fields(r) -> list[str]:  # type: ignore[no-untyped-def]
        assert r.status_code == 422, r.text
        return [e["field"] for e in r.json()["errors"]]

    # A 3 MB plan is refused before it is read (every body a route reads whole is capped);
    # a plan over its own limit by the field; a NUL in a milestone: none reach the workflow.
    big = {"selected_lo_ids": los, "plan": "p" * 3_000_000}
    r = await w.http.post(f"{run.url}/identification", json=big, headers=run.candidate.auth)
    assert r.status_code == 413 and r.json()["detail"] == "the request body is at most 256 KiB"
    long = {"selected_lo_ids": los, "plan": "p" * 8001}
    r = await w.http.post(f"{run.url}/identification", json=long, headers=run.candidate.auth)
    assert fields(r) == ["body.plan"] and "at most 8000" in r.json()["detail"]
    nul = {"selected_lo_ids": los, "milestones": [{"what": "a\x00b", "due": "2027-01-01"}]}
    r = await w.http.post(f"{run.url}/identification", json=nul, headers=run.candidate.auth)
    assert fields(r) == ["body.milestones.0.what"] and "NUL" in r.json()["detail"]
    ok(await run.identify())

    # NUL bytes in reasons (which once made an activity retry forever, lock held).
    for path, body, who in (
        ("deadline-extension", {"days": 3, "reason": "ill\x00ness"}, w.admin),
        ("withdrawal", {"reason": "moving\x00abroad"}, run.candidate),
        ("conflicts", {"reason": "col\x00league"}, w.admin),
    ):
        r = await w.http.post(f"{run.url}/{path}", json=body, headers=who.auth)
        assert fields(r) == ["body.reason"], path
    # Other control characters in one-line texts, and oversized reasons.
    r = await w.http.post(
        f"{run.url}/deadline-extension",
        json={"days": 3, "reason": "r" * 2001},
        headers=w.admin.auth,
    )
    assert fields(r) == ["body.reason"]
    r = await w.http.post(
        "/users/register", json={"name": "Zofia\x1b[31m", "email": "z@test.example"}
    )
    assert fields(r) == ["body.name"]

    # Not wedged: the same case takes correct steps at once.
    ok(
        await w.http.post(
            f"{run.url}/deadline-extension",
            json={"days": 3, "reason": "illness"},
            headers=w.admin.auth,
        )
    )
    status = ok(
        await w.http.post(
            f"{run.url}/withdrawal", json={"reason": "moving abroad"}, headers=run.candidate.auth
        )
    )
    assert status["status"] == "withdrawn" and status["closed_reason"] == "moving abroad"


async def test_notes_grades_and_appeal_reasons_are_refused_by_field_and_the_case_goes_on(
    stack,
) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.counsel())
    ok(await run.identify())
    await run.add_default_evidence()
    ok(await run.assign())
    ok(await run.submit())

    def fields(r) -> list[str]:  # type: ignore[no-untyped-def]
        assert r.status_code == 422, r.text
        return [e["field"] for e in r.json()["errors"]]

    assert run.supervisor is not None
    check = {"method": "online", "document_type": "id-card", "result": "verified"}
    for note in ("n" * 501, "seen\x00ok"):
        r = await w.http.post(
            f"{run.url}/identity", json={**check, "note": note}, headers=run.supervisor.auth
        )
        assert fields(r) == ["body.note"]
    ok(await run.verify_identity())
    lo = w.standard.learning_outcomes[0].id
    decision = {"decisions": [{"lo_id": lo, "achieved": True, "rationale": "shown"}]}
    for grade in ("g" * 501, "very\x00good"):
        r = await w.http.post(
            f"{run.url}/decisions",
            json={**decision, "grade": grade},
            headers=run.assessors[0].auth,
        )
        assert fields(r) == ["body.grade"]
    ok(await run.decide(run.assessors[0], {"DC3": False}))
    ok(await run.decide(run.assessors[1], {"DC3": False}))
    for reason in ("over\x00looked", "r" * 2001):
        assert fields(await run.appeal(reason)) == ["body.reason"]
    status = ok(await run.appeal())  # not wedged: the correct appeal goes through
    assert (
        status["appealed"] and status["appeal_reason"] == "the panel overlooked my reference letter"
    )


async def test_bodies_are_capped_before_they_are_read(stack) -> None:
    """Public routes parse their body whole: it is refused past 256 KiB, declared or not."""
    from tests.outage import CountingBody

    declared = await stack.http.post(
        "/auth/login",
        content=b"{" + b" " * 300_000 + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert declared.status_code == 413
    assert declared.json()["detail"] == "the request body is at most 256 KiB"
    body = CountingBody(b'{"name": "' + b"x" * 4_000_000 + b'"}', chunk=16 * 1024)
    streamed = await stack.http.post(
        "/users/register", content=body, headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413, streamed.text
    assert body.pulled <= 256 * 1024 + body.chunk  # not read past the cap
    # A body within the cap is read as before.
    r = await stack.http.post("/auth/login", json={"email": "a@test.example", "password": "x"})
    assert r.status_code == 401
