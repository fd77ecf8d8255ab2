"""What a validation centre tracks: its figures, and its cases through Temporal visibility."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from api.deps import CurrentUser, SessionDep, TemporalDep, release_connection, require_roles
from vnfil.accounts.schemas import Role
from vnfil.cases.figures import centre_figures

router = APIRouter(prefix="/centres/{centre_id}", tags=["centres"])

Token = Annotated[str | None, Query(pattern=r"^[a-z0-9-]{1,100}$")]


def _own_centre(centre_id: str, user: CurrentUser) -> None:
    if user.centre_id != centre_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "centre staff see only their own centre")


@router.get("/figures", dependencies=[require_roles(Role.centre_admin)])
async def figures(centre_id: str, session: SessionDep, user: CurrentUser) -> dict:
    """Cases per stage and status, overdue, median days per stage, pass rate per outcome."""
    _own_centre(centre_id, user)
    return await centre_figures(session, centre_id)


@router.get("/workflows", dependencies=[require_roles(Role.centre_admin)])
async def workflows(
    centre_id: str,
    temporal: TemporalDep,
    user: CurrentUser,
    stage: Token = None,
    status_: Annotated[str | None, Query(alias="status", pattern=r"^[a-z]{1,20}$")] = None,
    standard: Token = None,
    limit: int = Query(100, ge=1, le=1000),
) -> list[dict]:
    """The centre's cases as Temporal sees them (search attributes), filtered the same way."""
    _own_centre(centre_id, user)
    clauses = [f"VnfilCentre = '{centre_id}'"]
    for key, value in (
        ("VnfilStage", stage),
        ("VnfilStatus", status_),
        ("VnfilStandard", standard),
    ):
        if value:
            clauses.append(f"{key} = '{value}'")  # values are pattern-checked above
    await release_connection()  # the listing waits on Temporal with no DB connection held
    out = []
    async for wf in temporal.list_workflows(" AND ".join(clauses), limit=limit):
        out.append(
            {
                "workflow_id": wf.id,
                "status": wf.status.name if wf.status else None,
                "start_time": wf.start_time,
            }
        )
    return out
