"""Centre tracking: filters, figures, and the same filters through Temporal visibility."""

from __future__ import annotations

import asyncio

from tests.factories import make_world, new_case, ok


async def test_centre_filters_and_figures(stack) -> None:
    w = await make_world(stack)
    done, waiting, fresh = await new_case(w), await new_case(w), await new_case(w)
    for run in (done, waiting):
        ok(await run.identify())
        await run.add_default_evidence()
        ok(await run.assign())
        ok(await run.submit())
    ok(await done.verify_identity())
    ok(await done.decide(done.assessors[0], {"DC4": False}))
    ok(await done.decide(done.assessors[1], {"DC4": False}))
    ok(await done.accept())
    ok(await done.certify())

    def ids(rows: list[dict]) -> set[str]:
        return {r["id"] for r in rows}

    get = lambda **p: w.http.get("/cases", params=p, headers=w.admin.auth)  # noqa: E731
    assert ids(ok(await get(stage="assessment"))) == {waiting.case_id}
    assert ids(ok(await get(status="completed"))) == {done.case_id}
    assert ids(ok(await get(stage="identification"))) == {fresh.case_id}
    assert ids(ok(await get(assessor_id=waiting.assessors[0].id))) == {waiting.case_id}
    assert ids(ok(await get(standard_id=w.standard_id))) == {
        done.case_id,
        waiting.case_id,
        fresh.case_id,
    }
    first = await get(limit=2)
    assert len(ok(first)) == 2 and "X-Next-Cursor" in first.headers
    rest = await get(limit=2, cursor=first.headers["X-Next-Cursor"])
    assert len(ok(rest)) == 1 and "X-Next-Cursor" not in rest.headers
    assert ids(ok(first)) | ids(ok(rest)) == {done.case_id, waiting.case_id, fresh.case_id}
    assert ok(await get(overdue="true")) == []

    figures = ok(await w.http.get(f"/centres/{w.centre_id}/figures", headers=w.admin.auth))
    assert figures["open_cases_per_stage"] == {
        "identification": 1,
        "documentation": 0,
        "assessment": 1,
        "certification": 0,
    }
    assert figures["cases_per_status"] == {"open": 2, "completed": 1}
    assert figures["pass_rate_per_lo"]["DC4"] == {"assessed": 1, "achieved": 0, "rate": 0.0}
    assert figures["pass_rate_per_lo"]["DC1"]["rate"] == 1.0
    assert figures["median_days_per_stage"]["identification"] is not None
    other = await make_world(stack)
    r = await w.http.get(f"/centres/{other.centre_id}/figures", headers=w.admin.auth)
    assert r.status_code == 403

    # The same filters through Temporal's visibility.
    for _ in range(50):
        wfs = ok(
            await w.http.get(
                f"/centres/{w.centre_id}/workflows",
                params={"stage": "assessment"},
                headers=w.admin.auth,
            )
        )
        if wfs:
            break
        await asyncio.sleep(0.2)
    assert [x["workflow_id"] for x in wfs] == [f"case-{waiting.case_id}"]
    r = await w.http.get(
        f"/centres/{w.centre_id}/workflows", params={"stage": "x' OR 1=1"}, headers=w.admin.auth
    )
    assert r.status_code == 422
