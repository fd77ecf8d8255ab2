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

    # A 3 MB plan, a NUL in a milestone: refused before the workflow sees them.
    big = {"selected_lo_ids": los, "plan": "p" * 3_000_000}
    r = await w.http.post(f"{run.url}/identification", json=big, headers=run.candidate.auth)
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
