"""Health: ``/health`` for people and monitoring (every dependency), ``/health/live`` and
``/health/ready`` for a process manager's probes (Kubernetes: ``infra/helm/vnfil``).

Liveness asks only whether this process still serves: restarting an API because Temporal
or S3 is away would not bring them back. Readiness asks whether this process can answer
requests at all, which needs its database pool; a Temporal or S3 outage leaves every
replica ready, since reads and pages still work and steps answer 503 with Retry-After.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])

PROBE_TIMEOUT_SECONDS = 5


async def _database(request: Request) -> None:
    async with request.app.state.sessions() as session:
        await session.execute(text("SELECT 1"))


def _failure(exc: BaseException) -> str:
    return f"unreachable: {type(exc).__name__}: {exc}"[:300]


@router.get("/health")
async def health(request: Request) -> JSONResponse:
    """200 only when the database, the evidence store and Temporal all answer."""
    state = request.app.state
    checks: dict[str, str] = {}

    async def db() -> None:
        await _database(request)

    async def s3() -> None:
        await asyncio.to_thread(state.store.ping)

    async def temporal() -> None:
        await state.temporal.service_client.check_health(timeout=timedelta(seconds=3))

    for name, probe in (("database", db), ("s3", s3), ("temporal", temporal)):
        try:
            await asyncio.wait_for(probe(), timeout=PROBE_TIMEOUT_SECONDS)
            checks[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - health reports any failure
            checks[name] = _failure(exc)
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "degraded", "checks": checks}, status_code=200 if ok else 503
    )


@router.get("/health/live")
async def live() -> JSONResponse:
    """200 while this process serves requests (its event loop answers); nothing else."""
    return JSONResponse({"status": "ok"})


@router.get("/health/ready")
async def ready(request: Request) -> JSONResponse:
    """200 when this process can take requests: its database answers through its pool."""
    try:
        await asyncio.wait_for(_database(request), timeout=PROBE_TIMEOUT_SECONDS)
    except Exception as exc:  # noqa: BLE001 - readiness reports any failure
        return JSONResponse(
            {"status": "not ready", "checks": {"database": _failure(exc)}}, status_code=503
        )
    return JSONResponse({"status": "ok", "checks": {"database": "ok"}})
