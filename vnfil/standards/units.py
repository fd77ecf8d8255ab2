"""Units of a qualification: which a result achieves, and the plan of what is left.

Pure functions of the standard and the achieved outcomes: the workflow calls them (they
are deterministic), the API and pages show what they return.
"""

from __future__ import annotations

from pydantic import BaseModel

from vnfil.standards.schemas import StandardDocument, Unit


class UnitProgress(BaseModel):
    unit_id: str
    title: str
    achieved: bool
    credential: bool  # whether the unit is a credential of its own
    achieved_lo_ids: list[str]
    missing_lo_ids: list[str]


class OutcomePlan(BaseModel):
    """What a candidate still has to validate for the full qualification, unit by unit
    (machine-readable: the case API and page show it; a later case selects the
    ``missing_lo_ids``, or the learner claims the full credential once every unit's
    credential is held)."""

    standard: str  # code@version
    complete: bool
    achieved_lo_ids: list[str]
    missing_lo_ids: list[str]
    units: list[UnitProgress] = []


def achieved_units(std: StandardDocument, achieved_lo_ids: list[str]) -> list[Unit]:
    """The units every outcome of which was achieved, in the standard's order."""
    done = set(achieved_lo_ids)
    return [u for u in std.units if set(u.outcomes) <= done]


def plan_of(std: StandardDocument, achieved_lo_ids: list[str]) -> OutcomePlan:
    done = set(achieved_lo_ids)
    return OutcomePlan(
        standard=f"{std.code}@{std.version}",
        complete=all(lo.id in done for lo in std.learning_outcomes),
        achieved_lo_ids=[lo.id for lo in std.learning_outcomes if lo.id in done],
        missing_lo_ids=[lo.id for lo in std.learning_outcomes if lo.id not in done],
        units=[
            UnitProgress(
                unit_id=u.id,
                title=u.title,
                achieved=set(u.outcomes) <= done,
                credential=u.credential,
                achieved_lo_ids=[i for i in u.outcomes if i in done],
                missing_lo_ids=[i for i in u.outcomes if i not in done],
            )
            for u in std.units
        ],
    )
