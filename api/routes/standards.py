from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from api.deps import CurrentUser, SessionDep
from vnfil.models import Standard
from vnfil.schemas import StandardRead

router = APIRouter(prefix="/standards", tags=["standards"])


@router.get("")
async def list_standards(session: SessionDep, _: CurrentUser) -> list[StandardRead]:
    rows = await session.scalars(select(Standard).order_by(Standard.code, Standard.version))
    return [StandardRead.model_validate(r, from_attributes=True) for r in rows]


@router.get("/{standard_id}")
async def get_standard(standard_id: str, session: SessionDep, _: CurrentUser) -> StandardRead:
    row = await session.get(Standard, standard_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no standard {standard_id}")
    return StandardRead.model_validate(row, from_attributes=True)
