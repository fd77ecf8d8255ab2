"""The suite's real services: dev Temporal, SeaweedFS S3, SQLite and PostgreSQL.

Each is started once per run on free ports in a temp dir. Database-backed fixtures
are parametrised over both databases, so every such test runs on each; PostgreSQL
runs are isolated in a schema of their own, dropped at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path

import httpx
import psycopg
import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from activities.worker import build_worker
from api.main import create_app
from vnfil.evidence.store import EvidenceStore
from vnfil.migrations import upgrade
from vnfil.platform.db import make_engine, make_session_factory
from vnfil.platform.embedded import WeedPorts, venv_bin, wait_for, weed_service
from vnfil.platform.settings import Settings
from vnfil.platform.temporal import SEARCH_ATTRIBUTES

PG_DSN = os.environ.get("VNFIL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
S3_KEY, S3_SECRET = "vnfil-test", "vnfil-test-secret"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default="sqlite,postgresql",
        help="comma-separated databases to run database tests on",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_kind" in metafunc.fixturenames:
        kinds = metafunc.config.getoption("--db").split(",")
        if metafunc.definition.get_closest_marker("one_database"):
            # Its subject is not the database (a standard's document, the permission
            # table, a browser's view): it runs once, on PostgreSQL if it is asked for.
            kinds = [k for k in kinds if k == "postgresql"] or kinds[:1]
        metafunc.parametrize("db_kind", kinds, scope="session")


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WeedPorts]:
    root = tmp_path_factory.mktemp("s3")
    ports = WeedPorts.free()
    svc = weed_service(root / "data", ports, S3_KEY, S3_SECRET, "unused", root / "weed.log").start()
    probe = Settings(
        s3_endpoint=f"127.0.0.1:{ports.s3}", s3_access_key=S3_KEY, s3_secret_key=S3_SECRET
    )
    try:
        wait_for(
            lambda: EvidenceStore(probe).client.list_buckets() is not None, "SeaweedFS S3", 90, svc
        )
        yield ports
    finally:
        svc.stop()


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=venv_bin("temporal"),
        search_attributes=SEARCH_ATTRIBUTES,
        data_converter=pydantic_data_converter,
        ui=False,
    )
    try:
        yield env
    finally:
        await env.shutdown()


def _pg_admin(sql: str) -> None:
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def database(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A migrated, empty database of the kind under test."""
    if db_kind == "sqlite":
        path = tmp_path_factory.mktemp("db") / "vnfil.db"
        db = {"database_url": f"sqlite+aiosqlite:///{path}", "database_schema": ""}
        upgrade(Settings(**db))
        yield db
        return
    schema = f"vnfil_test_{uuid.uuid4().hex[:12]}"
    url = PG_DSN.replace("postgresql://", "postgresql+psycopg://", 1)
    db = {"database_url": url, "database_schema": schema}
    upgrade(Settings(**db))
    try:
        yield db
    finally:
        _pg_admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def make_settings(
    database: dict[str, str],
    s3: WeedPorts,
    temporal: WorkflowEnvironment,
    tmp: Path,
    **extra: object,
) -> Settings:
    values: dict[str, object] = dict(
        environment="test",
        data_dir=tmp,
        temporal_address=temporal.client.service_client.config.target_host,
        task_queue=f"vnfil-test-{uuid.uuid4()}",
        s3_endpoint=f"127.0.0.1:{s3.s3}",
        s3_access_key=S3_KEY,
        s3_secret_key=S3_SECRET,
        s3_bucket=f"evidence-{uuid.uuid4().hex[:10]}",
        public_base_url="http://testserver",
        webhook_allow_private_targets=True,  # the tests' receivers listen on 127.0.0.1
    )
    return Settings(**{**values, **database, **extra})  # type: ignore[arg-type]


def no_cookies() -> CookieJar:
    """The shared API client speaks with bearer tokens only: a session cookie one test
    receives must not make the next test's "anonymous" requests signed in."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


@dataclass
class Stack:
    """One running vnfil: API client, worker, stores, on one database kind."""

    settings: Settings
    client: Client
    http: httpx.AsyncClient
    store: EvidenceStore
    sessions: object


@pytest.fixture(scope="session")
async def stack(
    database: dict[str, str],
    s3_server: WeedPorts,
    temporal_env: WorkflowEnvironment,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Stack]:
    settings = make_settings(
        database,
        s3_server,
        temporal_env,
        tmp_path_factory.mktemp("data"),
        max_upload_bytes=8 * 1024 * 1024,
    )
    app = create_app(settings)
    worker = build_worker(temporal_env.client, settings)
    async with worker, app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", timeout=60, cookies=no_cookies()
        ) as http:
            engine = make_engine(settings)
            yield Stack(
                settings, temporal_env.client, http, app.state.store, make_session_factory(engine)
            )
            await engine.dispose()


@pytest.fixture
async def skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    # One server per test: a case left open by another test would hold its timers
    # (and so the skipping of time) with no worker left to serve them.
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=venv_bin("temporal-test-server"),
        data_converter=pydantic_data_converter,
    )
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={
                sa.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for sa in SEARCH_ATTRIBUTES
            },
        )
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
async def timed(
    stack: Stack,
    database: dict[str, str],
    s3_server: WeedPorts,
    skipping_env: WorkflowEnvironment,
    tmp_path: Path,
) -> AsyncIterator[tuple[Stack, WorkflowEnvironment]]:
    """The same API, worker and stores, on the time-skipping server."""
    settings = make_settings(database, s3_server, skipping_env, tmp_path)
    settings.s3_bucket = stack.settings.s3_bucket
    app = create_app(settings)
    async with build_worker(skipping_env.client, settings), app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t", timeout=60, cookies=no_cookies()
        ) as http:
            yield (
                Stack(settings, skipping_env.client, http, stack.store, stack.sessions),
                skipping_env,
            )
