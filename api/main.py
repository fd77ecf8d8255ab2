"""The FastAPI application: clients built once in the lifespan, handed out by dependencies."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import urllib3
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from minio.error import MinioException
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import RPCTimeoutOrCancelledError, WorkflowQueryFailedError
from temporalio.service import RPCError

from api.callers import CallerCache
from api.deps import document_pages, request_language
from api.routes import (
    auth,
    backpack,
    cases,
    centres,
    cohorts,
    credentials,
    events,
    evidence,
    funding,
    health,
    institutions,
    oid4vci,
    pages,
    qualifications,
    standards,
    trust,
    users,
    vcapi,
    verify,
)
from api.security import BODY_LIMIT, BodyLimit, PrintableAddresses, SecurityHeaders
from vnfil.accounts.service import LoginThrottle
from vnfil.credentials.verification import SignatureChecker
from vnfil.evidence.store import EvidenceStore
from vnfil.platform.db import make_engine, make_session_factory
from vnfil.platform.i18n import field_label, input_error
from vnfil.platform.refusals import localize
from vnfil.platform.settings import Settings, get_settings
from vnfil.platform.temporal import connect

log = logging.getLogger("vnfil.api")
RETRY_AFTER_SECONDS = 5


def unavailable(detail: str, request: Request | None = None) -> JSONResponse:
    """503 as a problem document with a retry hint: for outages of Temporal or S3, in the
    language of the person asking."""
    if request is not None:
        detail = localize(request_language(request), detail)
    return JSONResponse(
        {
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": detail,
        },
        status_code=503,
        media_type="application/problem+json",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings)
        app.state.settings = settings
        app.state.sessions = make_session_factory(engine)
        app.state.store = EvidenceStore(settings)
        app.state.throttle = LoginThrottle(app.state.sessions)  # shared by every process
        app.state.callers = CallerCache(settings.caller_cache_seconds)
        app.state.signatures = SignatureChecker(settings.signature_processes)
        try:
            await asyncio.to_thread(app.state.store.ensure_bucket)
        except Exception as exc:  # noqa: BLE001 - /health reports it; uploads fail with 503
            log.warning("evidence store unreachable at start: %s", exc)
        # Lazy: the API starts (and /health answers) even while Temporal is down.
        app.state.temporal = await connect(settings, lazy=True)
        # What start-up made lives as long as the process: out of the collector's sight,
        # a full collection walks only what requests left behind (tens of milliseconds
        # less, each time it comes, for every request then waiting).
        gc.collect()
        gc.freeze()
        yield
        app.state.signatures.close()
        await engine.dispose()

    app = FastAPI(
        title="vnfil",
        description="Validation of non-formal and informal learning, as durable workflows.",
        version="0.1.0",
        lifespan=lifespan,
    )

    @app.exception_handler(StarletteHTTPException)
    async def _refused(request: Request, exc: StarletteHTTPException) -> Response:
        # A browser asking for a page gets a page (unknown address, not theirs); a
        # program asking the API gets JSON, as before.
        if pages.wants_page(request) and exc.status_code in (403, 404, 405):
            return pages.error_page(request, exc.status_code)
        if isinstance(exc.detail, str):  # the refusal in the person's language
            exc = StarletteHTTPException(
                exc.status_code, localize(request_language(request), exc.detail), exc.headers
            )
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # In the person's language (their page's choice, else their browser's); each error
        # names its field, so a page shows it beside the field concerned.
        lang = request_language(request)
        errors = []
        for e in exc.errors():
            loc = [str(p) for p in e["loc"]]
            name = next((p for p in reversed(loc) if not p.isdigit()), loc[-1])
            errors.append(
                {
                    "field": ".".join(loc),
                    # vnfil's own refusals of a field (a dotted type, e.g. paging.cursor)
                    # are said in the person's language; Pydantic's by their type.
                    "message": localize(lang, e["msg"])
                    if "." in str(e.get("type"))
                    else input_error(lang, e),
                    "label": field_label(lang, name) if name != "body" else "",
                }
            )
        summary = "; ".join(
            f"{e['label']}: {e['message']}" if e["label"] else e["message"] for e in errors
        )
        return JSONResponse({"detail": summary, "errors": errors}, status_code=422)

    @app.exception_handler(RPCError)
    @app.exception_handler(RPCTimeoutOrCancelledError)
    async def _temporal_refused(request: Request, exc: Exception) -> JSONResponse:
        # The workflow service is down, restarting or misconfigured: say so, never 500.
        log.error("Temporal did not answer: %s", exc)
        message = exc.message if isinstance(exc, RPCError) else str(exc)
        return unavailable(f"the workflow service did not answer: {message}", request)

    @app.exception_handler(WorkflowQueryFailedError)
    async def _case_cannot_answer(request: Request, exc: WorkflowQueryFailedError) -> JSONResponse:
        # The case's workflow could not answer a read (its code is failing to replay, say):
        # the case is not lost, and an operator must look; the caller may retry later.
        log.error("a case's workflow could not answer a query: %s", exc)
        return unavailable("this case cannot be read right now; try again later", request)

    @app.exception_handler(MinioException)
    @app.exception_handler(urllib3.exceptions.HTTPError)
    @app.exception_handler(ConnectionError)
    async def _store_unreachable(request: Request, exc: Exception) -> JSONResponse:
        # The evidence store is down or refusing: a retry later can succeed.
        log.error("the evidence store did not answer: %r", exc)
        return unavailable(f"the evidence store did not answer ({type(exc).__name__})", request)

    @app.exception_handler(DataError)
    async def _unstorable(request: Request, exc: DataError) -> JSONResponse:
        # A value the database refuses (a NUL byte, a number beyond its column) that a
        # schema let through: the request is at fault, not the server.
        log.warning("the database refused a value: %s", exc.orig)
        said = (
            "the request holds a value that cannot be stored (a NUL byte or a number too "
            "large); correct it and send it again"
        )
        return JSONResponse({"detail": localize(request_language(request), said)}, status_code=422)

    @app.exception_handler(OperationalError)
    @app.exception_handler(SATimeoutError)
    async def _database_unreachable(request: Request, exc: Exception) -> JSONResponse:
        log.error("the database did not answer: %r", exc)
        return unavailable("the database did not answer", request)

    # Each request is matched against the routes in this order, so the busiest come
    # first; no path of the case routes (all under /cases) is one of the others'.
    for module in (
        cases,
        health,
        backpack,
        qualifications,
        auth,
        users,
        standards,
        evidence,
        credentials,
        centres,
        verify,
        events,
        trust,
        institutions,
        oid4vci,
        vcapi,
        funding,
        cohorts,
    ):
        document_pages(module.router.routes)
        app.include_router(module.router)
    app.include_router(evidence.identity_router)
    app.include_router(pages.router)
    app.add_middleware(SecurityHeaders, https=settings.public_base_url.startswith("https://"))
    app.add_middleware(PrintableAddresses)
    app.add_middleware(BodyLimit, limit=BODY_LIMIT)
    app.mount("/static", StaticFiles(packages=[("vnfil", "static")]), name="static")
    return app


app = create_app()
