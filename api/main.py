"""The FastAPI application: clients built once in the lifespan, handed out by dependencies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from temporalio.service import RPCError

from api.routes import (
    auth,
    cases,
    centres,
    credentials,
    events,
    evidence,
    health,
    pages,
    standards,
    users,
    verify,
)
from vnfil.accounts import LoginThrottle
from vnfil.db import make_engine, make_session_factory
from vnfil.evidence import EvidenceStore
from vnfil.settings import Settings, get_settings
from vnfil.temporal import connect

log = logging.getLogger("vnfil.api")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings)
        app.state.settings = settings
        app.state.sessions = make_session_factory(engine)
        app.state.store = EvidenceStore(settings)
        app.state.throttle = LoginThrottle()
        try:
            await asyncio.to_thread(app.state.store.ensure_bucket)
        except Exception as exc:  # noqa: BLE001 - /health reports it; uploads fail with 503
            log.warning("evidence store unreachable at start: %s", exc)
        # Lazy: the API starts (and /health answers) even while Temporal is down.
        app.state.temporal = await connect(settings, lazy=True)
        yield
        await engine.dispose()

    app = FastAPI(
        title="vnfil",
        description="Validation of non-formal and informal learning, as durable workflows.",
        version="0.1.0",
        lifespan=lifespan,
    )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return JSONResponse({"detail": summary, "errors": errors}, status_code=422)

    @app.exception_handler(RPCError)
    async def _temporal_refused(_: Request, exc: RPCError) -> JSONResponse:
        # The workflow service is down or misconfigured: say so, do not answer 500.
        log.error("Temporal refused a call: %s", exc)
        return JSONResponse(
            {"detail": f"the workflow service did not accept the request: {exc.message}"},
            status_code=503,
        )

    for module in (
        health,
        auth,
        users,
        standards,
        cases,
        evidence,
        credentials,
        centres,
        verify,
        events,
    ):
        app.include_router(module.router)
    app.include_router(evidence.identity_router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(packages=[("vnfil", "static")]), name="static")
    return app


app = create_app()
