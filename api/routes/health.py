from __future__ import annotations

import asyncio
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(request: Request) -> JSONResponse:
    """200 only when the database, the evidence store and Temporal all answer."""
    state = request.app.state
    checks: dict[str, str] = {}

    async def db() -> None:
        async with state.sessions() as session:
            await session.execute(text("SELECT 1"))

    async def s3() -> None:
        await asyncio.to_thread(state.store.ping)

    async def temporal() -> None:
        await state.temporal.service_client.check_health(timeout=timedelta(seconds=3))

    for name, probe in (("database", db), ("s3", s3), ("temporal", temporal)):
        try:
            await asyncio.wait_for(probe(), timeout=5)
            checks[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - health reports any failure
            checks[name] = f"unreachable: {type(exc).__name__}: {exc}"[:300]
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "degraded", "checks": checks}, status_code=200 if ok else 503
    )
