"""A centre's figures, computed from the read model (cases, stage records)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from statistics import median
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.cases.models import Case, StageRecord
from vnfil.platform.db import utcnow

STAGES = ("identification", "documentation", "assessment", "certification")


def _utc(at: datetime | str) -> datetime:
    at = datetime.fromisoformat(at) if isinstance(at, str) else at
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


async def centre_figures(session: AsyncSession, centre_id: str) -> dict[str, Any]:
    by_stage = dict(
        (
            await session.execute(
                select(Case.stage, func.count())
                .where(Case.centre_id == centre_id, Case.status == "open")
                .group_by(Case.stage)
            )
        ).all()
    )
    by_status = dict(
        (
            await session.execute(
                select(Case.status, func.count())
                .where(Case.centre_id == centre_id)
                .group_by(Case.status)
            )
        ).all()
    )
    overdue = await session.scalar(
        select(func.count()).where(
            Case.centre_id == centre_id, Case.status == "open", Case.deadline < utcnow()
        )
    )
    rows = (
        await session.execute(
            select(Case.id, Case.created_at, StageRecord.stage, StageRecord.record)
            .join(StageRecord, StageRecord.case_id == Case.id)
            .where(Case.centre_id == centre_id)
        )
    ).all()
    opened: dict[str, datetime] = {}
    ended: dict[str, dict[str, datetime]] = defaultdict(dict)
    assessed: Counter[str] = Counter()
    achieved: Counter[str] = Counter()
    for case_id, created_at, stage, record in rows:
        opened[case_id] = _utc(created_at)
        ended[case_id][stage] = _utc(record["at"])
        inputs = record.get("inputs", {})
        if stage == "assessment" and "result" in inputs and not inputs.get("closed"):
            decided = {d["lo_id"] for ad in inputs.get("decisions", []) for d in ad["decisions"]}
            assessed.update(decided)
            achieved.update(inputs.get("achieved_lo_ids", []))
    durations: dict[str, list[float]] = defaultdict(list)
    for case_id, stages in ended.items():
        start = opened[case_id]
        for stage in STAGES:
            if stage in stages:
                durations[stage].append((stages[stage] - start).total_seconds() / 86400)
                start = stages[stage]
    return {
        "open_cases_per_stage": {s: by_stage.get(s, 0) for s in STAGES},
        "cases_per_status": by_status,
        "overdue": overdue or 0,
        "median_days_per_stage": {
            s: round(median(durations[s]), 2) if durations[s] else None for s in STAGES
        },
        "pass_rate_per_lo": {
            lo: {"assessed": n, "achieved": achieved[lo], "rate": round(achieved[lo] / n, 3)}
            for lo, n in sorted(assessed.items())
        },
    }
