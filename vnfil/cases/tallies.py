"""The running counts behind a centre's figures, kept in the transaction that changes them.

A centre's figures (cases per status, open cases per stage, days per stage, pass rate
per outcome, open cases per assessor) used to be computed by decoding every stage record
of the centre on each request: 19-26 s at 100,000 cases. They are now read from
``centre_tallies``, a few hundred rows per centre whatever the number of cases.

Every write that changes what a tally counts (a case opened or removed, a stage ended,
a panel changed) runs inside :func:`keep_tallies`: it takes what the case contributes
before and after the change and adds the difference. A retried activity that rewrites the
same state adds nothing, and a stage record written again (an appeal's new assessment)
replaces its old contribution instead of adding a second one, so the tallies always equal
:func:`case_counts` summed over the centre's cases; tests check exactly that against
:func:`rebuild_tallies`.

Days per stage are kept as a histogram: the time a stage took falls into a bucket 2 %
wide (log scale, from a minute to years in under 800 buckets), so the median read back
is within 1 % of the exact one.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.accounts.schemas import Role
from vnfil.cases.models import Case, CaseAssignment, CentreTally, StageRecord

STAGES = ("identification", "documentation", "assessment", "certification")
STEP = 1.02  # each bucket of the days-per-stage histogram is 2 % wider than the last

Key = tuple[str, str, int]  # (kind, key, bucket)


def bucket_of(seconds: float) -> int:
    """The histogram bucket of a stage that took ``seconds``."""
    return int(math.log1p(max(seconds, 0.0) / 60) / math.log(STEP))


def days_of(bucket: int) -> float:
    """The middle of a bucket, in days."""
    return math.expm1((bucket + 0.5) * math.log(STEP)) / 1440


def _utc(at: datetime | str) -> datetime:
    at = datetime.fromisoformat(at) if isinstance(at, str) else at
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def case_counts(
    *,
    status: str,
    stage: str,
    created_at: datetime,
    assessors: Iterable[str],
    records: Mapping[str, Mapping[str, Any]],
) -> Counter[Key]:
    """What one case adds to its centre's tallies, from its state and stage records."""
    counts: Counter[Key] = Counter({("status", status, 0): 1})
    if status == "open":
        counts[("open_stage", stage, 0)] += 1
        for user_id in assessors:
            counts[("assessor_open", user_id, 0)] += 1
    start = _utc(created_at)
    for name in STAGES:  # each stage's time runs from the end of the one before it
        record = records.get(name)
        if record is None:
            continue
        ended = _utc(record["at"])
        counts[("stage_time", name, bucket_of((ended - start).total_seconds()))] += 1
        start = ended
        inputs = record.get("inputs", {})
        if name == "assessment" and "result" in inputs and not inputs.get("closed"):
            decided = {d["lo_id"] for ad in inputs.get("decisions", []) for d in ad["decisions"]}
            for lo_id in decided:
                counts[("lo_assessed", lo_id, 0)] += 1
            for lo_id in inputs.get("achieved_lo_ids", []):
                counts[("lo_achieved", lo_id, 0)] += 1
    return counts


async def _counts_of(session: AsyncSession, case_id: str) -> tuple[str | None, Counter[Key]]:
    await session.flush()
    case = await session.get(Case, case_id)
    if case is None:
        return None, Counter()
    assessors = await session.scalars(
        select(CaseAssignment.user_id).where(
            CaseAssignment.case_id == case_id, CaseAssignment.role == Role.assessor
        )
    )
    records = await session.execute(
        select(StageRecord.stage, StageRecord.record).where(StageRecord.case_id == case_id)
    )
    return case.centre_id, case_counts(
        status=case.status,
        stage=case.stage,
        created_at=case.created_at,
        assessors=list(assessors),
        records=dict(records.tuples().all()),
    )


async def add_to_tallies(session: AsyncSession, centre_id: str, delta: Mapping[Key, int]) -> None:
    """Add ``delta`` to the centre's tallies: one upsert per changed count, in key order
    (two transactions touching the same counts lock them in the same order)."""
    changed = sorted((k, n) for k, n in delta.items() if n)
    if not changed:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for (kind, key, bucket), n in changed:
        stmt = insert(CentreTally).values(
            centre_id=centre_id, kind=kind, key=key, bucket=bucket, n=n
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["centre_id", "kind", "key", "bucket"],
                set_={"n": CentreTally.n + stmt.excluded.n},
            )
        )


@asynccontextmanager
async def keep_tallies(session: AsyncSession, case_id: str) -> AsyncIterator[None]:
    """Around a change to a case (its row, its stage records, its panel): the centre's
    tallies change by what the case contributes after it minus what it did before (a
    case never changes centre)."""
    centre_before, before = await _counts_of(session, case_id)
    yield
    centre_after, after = await _counts_of(session, case_id)
    centre_id = centre_after or centre_before
    if centre_id is not None:
        after.subtract(before)
        await add_to_tallies(session, centre_id, after)


def tally_batch(
    cases: Iterable[Any], assessors: Iterable[Any], records: Iterable[Any]
) -> dict[str, Counter[Key]]:
    """The tallies of a batch of cases, per centre, from rows as read: cases (id,
    centre_id, status, stage, created_at), their assessors (case_id, user_id) and their
    stage records (case_id, stage, record). For a recount, and the migration's backfill."""
    panels: dict[str, list[str]] = {}
    for case_id, user_id in assessors:
        panels.setdefault(case_id, []).append(user_id)
    kept: dict[str, dict[str, Any]] = {}
    for case_id, stage, record in records:
        kept.setdefault(case_id, {})[stage] = record
    totals: dict[str, Counter[Key]] = {}
    for case_id, centre_id, status, stage, created_at in cases:
        totals.setdefault(centre_id, Counter()).update(
            case_counts(
                status=status,
                stage=stage,
                created_at=created_at,
                assessors=panels.get(case_id, []),
                records=kept.get(case_id, {}),
            )
        )
    return totals


async def rebuild_tallies(session: AsyncSession, centre_id: str | None = None) -> int:
    """Recompute the tallies (of one centre, or all) from the cases and their records;
    for a database seeded outside the workflows, or to check the kept ones. Reads the
    cases a thousand at a time; returns how many it counted."""
    wipe = delete(CentreTally)
    cases = select(Case.id, Case.centre_id, Case.status, Case.stage, Case.created_at)
    if centre_id is not None:
        wipe = wipe.where(CentreTally.centre_id == centre_id)
        cases = cases.where(Case.centre_id == centre_id)
    await session.execute(wipe)
    totals: dict[str, Counter[Key]] = {}
    seen, last = 0, ""
    while batch := (
        await session.execute(cases.where(Case.id > last).order_by(Case.id).limit(1000))
    ).all():
        ids = [row.id for row in batch]
        assessors = await session.execute(
            select(CaseAssignment.case_id, CaseAssignment.user_id).where(
                CaseAssignment.case_id.in_(ids), CaseAssignment.role == Role.assessor
            )
        )
        records = await session.execute(
            select(StageRecord.case_id, StageRecord.stage, StageRecord.record).where(
                StageRecord.case_id.in_(ids)
            )
        )
        for centre, counts in tally_batch(batch, assessors, records).items():
            totals.setdefault(centre, Counter()).update(counts)
        seen, last = seen + len(batch), ids[-1]
    for centre, counts in totals.items():
        await add_to_tallies(session, centre, counts)
    return seen


async def tallies_of(session: AsyncSession, centre_id: str) -> Counter[Key]:
    rows = await session.execute(
        select(CentreTally.kind, CentreTally.key, CentreTally.bucket, CentreTally.n).where(
            CentreTally.centre_id == centre_id, CentreTally.n != 0
        )
    )
    return Counter({(kind, key, bucket): n for kind, key, bucket, n in rows})


def median_days(histogram: Mapping[int, int]) -> float | None:
    """The median of a days-per-stage histogram (the mean of the two middle values when
    the count is even, as ``statistics.median``), in days to two decimals."""
    total = sum(histogram.values())
    if not total:
        return None
    wanted = sorted({(total - 1) // 2, total // 2})
    found: list[float] = []
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        while wanted and wanted[0] < seen:
            wanted.pop(0)
            found.append(days_of(bucket))
    if len(found) == 1:
        found.append(found[0])
    return round(sum(found) / 2, 2)
