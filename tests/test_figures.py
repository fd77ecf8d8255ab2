"""A centre's figures come from running tallies: they must always equal the tallies counted
afresh from the cases, whatever happened to the cases (appeals, withdrawals, new panels,
a failed start) and however often a step was retried."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select

from activities.cases import CaseActivities
from tests.factories import make_world, new_case, ok
from tests.test_pages import _signed_in
from vnfil.accounts.models import User
from vnfil.cases.models import Case, StageRecord
from vnfil.cases.schemas import AssignmentInput, StageRecordInput
from vnfil.cases.tallies import STAGES, bucket_of, days_of, median_days, rebuild_tallies, tallies_of


async def _no_delivery(*_: object) -> None:
    return None


async def _kept_and_recounted(stack, centre_id: str) -> tuple[Counter, Counter]:
    async with stack.sessions() as session:
        kept = await tallies_of(session, centre_id)
    async with stack.sessions.begin() as session:
        await rebuild_tallies(session, centre_id)
    async with stack.sessions() as session:
        recounted = await tallies_of(session, centre_id)
    return kept, recounted


def _exact_medians(rows: list[tuple[datetime, str, dict]]) -> dict[str, float | None]:
    """The medians as the figures were computed before the tallies: every record decoded."""

    def utc(at: datetime | str) -> datetime:
        at = datetime.fromisoformat(at) if isinstance(at, str) else at
        return at.replace(tzinfo=UTC) if at.tzinfo is None else at

    by_case: dict[datetime, dict[str, datetime]] = {}
    for created, stage, record in rows:
        by_case.setdefault(utc(created), {})[stage] = utc(record["at"])
    days: dict[str, list[float]] = {s: [] for s in STAGES}
    for created, ended in by_case.items():
        start = created
        for stage in STAGES:
            if stage in ended:
                days[stage].append((ended[stage] - start).total_seconds() / 86400)
                start = ended[stage]
    return {s: statistics.median(v) if v else None for s, v in days.items()}


async def test_the_kept_tallies_equal_a_recount_through_a_mix_of_cases(stack) -> None:
    w = await make_world(stack)
    certified, appealed, withdrawn, waiting, fresh = [await new_case(w) for _ in range(5)]
    for run in (certified, appealed, withdrawn, waiting):
        ok(await run.identify())
        await run.add_default_evidence()
    for run in (certified, appealed, waiting):
        ok(await run.assign())
        ok(await run.submit())
    ok(await certified.verify_identity())
    ok(await certified.decide(certified.assessors[0], {"DC4": False}))
    ok(await certified.decide(certified.assessors[1], {"DC4": False}))
    ok(await certified.accept())
    ok(await certified.certify())
    ok(await appealed.verify_identity())
    ok(await appealed.decide(appealed.assessors[0], {"DC2": False}))
    ok(await appealed.decide(appealed.assessors[1], {"DC2": False}))
    first_panel = list(appealed.assessors)
    ok(await appealed.appeal())
    ok(await appealed.assign())  # a new panel: the first one no longer carries the case
    ok(
        await withdrawn.w.http.post(
            f"{withdrawn.url}/withdrawal",
            json={"reason": "moving"},
            headers=withdrawn.candidate.auth,
        )
    )

    figures = ok(await w.http.get(f"/centres/{w.centre_id}/figures", headers=w.admin.auth))
    assert figures["cases_per_status"] == {"completed": 1, "open": 3, "withdrawn": 1}
    assert figures["open_cases_per_stage"] == {
        "identification": 1,
        "documentation": 0,
        "assessment": 2,
        "certification": 0,
    }
    # The first appeal decision counts DC2 as assessed and not achieved, as the record says.
    assert figures["pass_rate_per_lo"]["DC4"] == {"assessed": 1, "achieved": 0, "rate": 0.0}
    assert figures["pass_rate_per_lo"]["DC1"] == {"assessed": 1, "achieved": 1, "rate": 1.0}

    kept, recounted = await _kept_and_recounted(stack, w.centre_id)
    assert kept == recounted
    workload = {k[1]: n for k, n in kept.items() if k[0] == "assessor_open" and n}
    on_panels = {a.id for a in appealed.assessors} | {a.id for a in waiting.assessors}
    assert set(workload) == on_panels and not set(workload) & {a.id for a in first_panel} - {
        a.id for a in waiting.assessors
    }

    # The medians read from the histogram are within 1 % of the exact ones.
    async with stack.sessions() as session:
        rows = (
            await session.execute(
                select(Case.created_at, StageRecord.stage, StageRecord.record)
                .join(StageRecord, StageRecord.case_id == Case.id)
                .where(Case.centre_id == w.centre_id)
            )
        ).all()
    exact = _exact_medians([tuple(r) for r in rows])
    for stage, value in exact.items():
        got = figures["median_days_per_stage"][stage]
        assert (got is None) == (value is None)
        if value is not None:
            assert abs(got - value) <= max(0.01 * value, 0.005), (stage, got, value)

    # The dashboard shows the same counts, and each assessor's open cases.
    browser = await _signed_in(stack, w, w.admin)
    page = await browser.get("/app")
    assert page.status_code == 200
    workload = page.text.split('id="fig-h"')[1].split("</section>")[0]
    async with stack.sessions() as session:
        names = dict((await session.execute(select(User.id, User.name))).tuples().all())
    for person in [*appealed.assessors, *waiting.assessors]:
        assert names[person.id] in workload
    for person in {p.id for p in first_panel} - {p.id for p in waiting.assessors}:
        assert names[person] not in workload


async def test_a_retried_step_adds_nothing_to_the_tallies(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await run.identify())
    await run.add_default_evidence()
    ok(await run.assign())
    ok(await run.submit())
    ok(await run.verify_identity())
    ok(await run.decide(run.assessors[0]))
    ok(await run.decide(run.assessors[1]))
    ok(await run.accept())
    ok(await run.certify())
    async with stack.sessions() as session:
        before = await tallies_of(session, w.centre_id)
        last = await session.scalar(
            select(StageRecord.record).where(
                StageRecord.case_id == run.case_id, StageRecord.stage == "certification"
            )
        )
    acts = CaseActivities(stack.store, stack.sessions, stack.settings, _no_delivery)
    # The last stage's record and the panel, written again as a retried activity would.
    await acts.record_stage(StageRecordInput.model_validate(last))
    await acts.record_assignments(
        AssignmentInput(
            case_id=run.case_id,
            assessor_ids=[a.id for a in run.assessors],
            supervisor_id=run.supervisor.id,  # type: ignore[union-attr]
        )
    )
    async with stack.sessions() as session:
        assert await tallies_of(session, w.centre_id) == before
    kept, recounted = await _kept_and_recounted(stack, w.centre_id)
    assert kept == recounted == before


def test_the_median_of_a_histogram_is_within_one_percent() -> None:
    for values in ([0.5], [1.0, 3.0], [0.02, 2.0, 7.0, 30.0], [10.0] * 7 + [400.0] * 8):
        histogram = Counter(bucket_of(v * 86400) for v in values)
        exact = statistics.median(values)
        assert abs(median_days(histogram) - exact) <= 0.01 * exact + 0.005, values
    assert median_days({}) is None
    # Buckets stay few: a minute to five years in under 800.
    assert bucket_of(5 * 365 * 86400) < 800 and days_of(bucket_of(86400)) > 0.99
