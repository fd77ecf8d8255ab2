"""A centre's figures, read from its running tallies (``vnfil.cases.tallies``) and one
indexed count: the same cost at a hundred cases as at a million."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.accounts.models import User
from vnfil.cases.models import Case, CentreTally
from vnfil.cases.tallies import STAGES, median_days, tallies_of
from vnfil.platform.db import utcnow


async def centre_figures(session: AsyncSession, centre_id: str) -> dict[str, Any]:
    tallies = await tallies_of(session, centre_id)
    by_kind: dict[str, dict[str, int]] = defaultdict(dict)
    histograms: dict[str, dict[int, int]] = defaultdict(dict)
    for (kind, key, bucket), n in tallies.items():
        if kind == "stage_time":
            histograms[key][bucket] = n
        else:
            by_kind[kind][key] = n
    # Overdue depends on the clock, so it is counted: open cases past their deadline, a
    # range of the (centre, status, deadline) index; the deadline sweep closes them.
    overdue = await session.scalar(
        select(func.count()).where(
            Case.centre_id == centre_id, Case.status == "open", Case.deadline < utcnow()
        )
    )
    assessed, achieved = by_kind["lo_assessed"], by_kind["lo_achieved"]
    return {
        "open_cases_per_stage": {s: by_kind["open_stage"].get(s, 0) for s in STAGES},
        "cases_per_status": dict(sorted(by_kind["status"].items())),
        "overdue": overdue or 0,
        "median_days_per_stage": {s: median_days(histograms[s]) for s in STAGES},
        "pass_rate_per_lo": {
            lo: {
                "assessed": n,
                "achieved": achieved.get(lo, 0),
                "rate": round(achieved.get(lo, 0) / n, 3),
            }
            for lo, n in sorted(assessed.items())
        },
    }


async def assessor_workload(session: AsyncSession, centre_id: str) -> list[tuple[str, int]]:
    """Open cases per assessor of the centre, most loaded first, by name."""
    rows = await session.execute(
        select(User.name, CentreTally.n)
        .join(CentreTally, CentreTally.key == User.id)
        .where(
            CentreTally.centre_id == centre_id,
            CentreTally.kind == "assessor_open",
            CentreTally.n > 0,
        )
        .order_by(CentreTally.n.desc(), User.name)
    )
    return [(name, n) for name, n in rows.tuples()]
