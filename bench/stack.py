"""The real stack for a benchmark, as ``make dev`` runs it, on SQLite or PostgreSQL.

Temporal's dev server, SeaweedFS S3, the worker and the API (uvicorn, as production
starts it) as separate processes; the demo data seeded; a webhook receiver on 127.0.0.1
that answers 200, so events get delivered as in production. Everything it made (its
temporary folder with the SQLite file, S3's and Temporal's data; the PostgreSQL schema)
is removed on exit, also on failure or Ctrl-C.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg

from vnfil.evidence.store import EvidenceStore
from vnfil.migrations import upgrade
from vnfil.platform.db import make_engine, make_session_factory
from vnfil.platform.embedded import (
    Service,
    WeedPorts,
    free_port,
    http_ok,
    tcp_open,
    temporal_service,
    venv_bin,
    wait_for,
    weed_service,
)
from vnfil.platform.settings import Settings
from vnfil.platform.temporal import SEARCH_ATTRIBUTES
from vnfil.seed import seed_demo

MiB = 1024 * 1024
PG_DSN = os.environ.get("VNFIL_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


def uvicorn_argv(app: str, port: int) -> list[str]:
    """How production starts the API (infra/production/compose.yaml), on 127.0.0.1: one
    process, uvicorn's default loop and HTTP implementation; no access log (its writes
    would be measured too)."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--proxy-headers",
        "--no-access-log",
    ]


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the http.server name
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@dataclass
class Stack:
    settings: Settings
    root: Path
    base: str
    demo: dict[str, Any]
    api: Service
    receiver_url: str
    services: list[Service] = field(default_factory=list)

    @property
    def api_pid(self) -> int:
        assert self.api.proc is not None
        return self.api.proc.pid

    def pg_dsn(self) -> str | None:
        return PG_DSN if self.settings.database_url.startswith("postgresql") else None


def _drop_schema(schema: str) -> None:
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')  # type: ignore[arg-type]


@asynccontextmanager
async def stack(db: str, **extra: Any) -> AsyncIterator[Stack]:
    """The whole stack on ``db`` ("sqlite" or "postgresql"), torn down on exit."""
    root = Path(tempfile.mkdtemp(prefix="vnfil-bench-"))
    weed_ports, tport, api_port = WeedPorts.free(), free_port(), free_port()
    schema = ""
    if db == "postgresql":
        schema = f"bench_scale_{uuid.uuid4().hex[:10]}"
        database: dict[str, Any] = {
            "database_url": PG_DSN.replace("postgresql://", "postgresql+psycopg://", 1),
            "database_schema": schema,
        }
    elif db == "sqlite":
        database = {"database_url": f"sqlite+aiosqlite:///{root}/vnfil.db", "database_schema": ""}
    else:
        raise ValueError(f"unknown database {db!r}: sqlite or postgresql")
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    settings = Settings(
        environment="test",
        data_dir=root,
        temporal_address=f"127.0.0.1:{tport}",
        task_queue="bench-scale",
        s3_endpoint=f"127.0.0.1:{weed_ports.s3}",
        s3_access_key="bench",
        s3_secret_key="bench-secret",
        s3_bucket="bench-evidence",
        webhook_allow_private_targets=True,
        **database,
        **extra,
    )
    services: list[Service] = []
    try:
        services.append(
            temporal_service(
                root / "temporal.db",
                tport,
                None,
                root / "temporal.log",
                [sa.name for sa in SEARCH_ATTRIBUTES],
            ).start()
        )
        services.append(
            weed_service(
                root / "s3", weed_ports, "bench", "bench-secret", "x", root / "weed.log"
            ).start()
        )
        upgrade(settings)
        wait_for(lambda: tcp_open(tport), "Temporal", 90, services[0])
        store = EvidenceStore(settings)

        def bucket() -> bool:
            store.ensure_bucket()
            return True

        wait_for(bucket, "S3", 90, services[1])
        engine = make_engine(settings)
        try:
            demo = await seed_demo(make_session_factory(engine), settings)
        finally:
            await engine.dispose()
        env = settings.as_env()
        services.append(
            Service("worker", [venv_bin("vnfil-worker")], root / "worker.log", env).start()
        )
        api = Service("api", uvicorn_argv("api.main:app", api_port), root / "api.log", env).start()
        services.append(api)
        base = f"http://127.0.0.1:{api_port}"
        wait_for(lambda: http_ok(f"{base}/health"), "API", 90, api)
        yield Stack(
            settings=settings,
            root=root,
            base=base,
            demo=demo,
            api=api,
            receiver_url=f"http://127.0.0.1:{receiver.server_address[1]}/hook",
            services=services,
        )
    finally:
        for svc in reversed(services):
            svc.stop()
        receiver.shutdown()
        if schema:
            _drop_schema(schema)
        shutil.rmtree(root, ignore_errors=True)
