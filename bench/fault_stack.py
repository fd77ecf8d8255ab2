"""The processes the fault harness runs and breaks (``bench/faults.py``).

One Temporal dev server (persistent: ``--db-filename``, so a restart on the same port
keeps every workflow), one SeaweedFS (same ports and data directory after a restart),
a migrated SQLite file or a fresh PostgreSQL schema, and N API + M worker processes
configured only through ``VNFIL_*`` variables, as in production. Every child runs in
its own process group (``vnfil.platform.embedded.Service``), so a SIGKILL takes a process and
whatever it spawned, and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
import uuid
from dataclasses import dataclass, field
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

S3_KEY, S3_SECRET = "vnfil-faults", "vnfil-faults-secret"
PG_DSN = "postgresql://postgres@127.0.0.1:5432/test"
BOOT_TIMEOUT = 180.0
RESTART_BACKOFF = 3.0  # seconds between restarts of a process that keeps exiting
RECOVERY_GRACE = 10.0  # seconds after a dependency is back during which it may still refuse  # a busy 2-core machine starts a dev server slowly


@dataclass
class Outage:
    """A window during which a service was deliberately away (until it answered again)."""

    kind: str
    start: float
    end: float | None = None
    detail: str = ""


@dataclass
class FaultStack:
    root: Path
    db: str = "sqlite"
    apis: int = 1
    workers: int = 1
    pg_dsn: str = PG_DSN
    log: Any = print
    settings: Settings = field(init=False)
    temporal: Service = field(init=False)
    s3: Service = field(init=False)
    api_procs: list[Service] = field(default_factory=list)
    worker_procs: list[Service] = field(default_factory=list)
    api_ports: list[int] = field(default_factory=list)
    demo: dict[str, Any] = field(default_factory=dict)
    # Services the harness stopped on purpose; the supervisor leaves those alone.
    held_down: set[str] = field(default_factory=set)
    unexpected_exits: list[dict[str, Any]] = field(default_factory=list)
    _schema: str = ""
    _restarted: dict[str, float] = field(default_factory=dict)
    _back_at: dict[str, float] = field(default_factory=dict)

    # --- start / stop -----------------------------------------------------------

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        t_port, weed_ports = free_port(), WeedPorts.free()
        self.weed_ports = weed_ports
        self.temporal_port = t_port
        if self.db == "postgresql":
            self._schema = f"vnfil_faults_{uuid.uuid4().hex[:10]}"
            db_url = self.pg_dsn.replace("postgresql://", "postgresql+psycopg://", 1)
        else:
            db_url = f"sqlite+aiosqlite:///{self.root / 'vnfil.db'}"
        self.api_ports = [free_port() for _ in range(self.apis)]
        self.settings = Settings(
            environment="test",
            data_dir=self.root,
            database_url=db_url,
            database_schema=self._schema,
            temporal_address=f"127.0.0.1:{t_port}",
            task_queue=f"faults-{uuid.uuid4().hex[:8]}",
            s3_endpoint=f"127.0.0.1:{weed_ports.s3}",
            s3_access_key=S3_KEY,
            s3_secret_key=S3_SECRET,
            s3_bucket="faults-evidence",
            public_base_url=f"http://127.0.0.1:{self.api_ports[0]}",
        )
        self.temporal = temporal_service(
            self.root / "temporal.db",
            t_port,
            None,
            self.root / "logs" / "temporal.log",
            [sa.name for sa in SEARCH_ATTRIBUTES],
        )
        self.s3 = weed_service(
            self.root / "s3", weed_ports, S3_KEY, S3_SECRET, "unused", self.root / "logs" / "s3.log"
        )
        self.log(f"starting Temporal (:{t_port}) and SeaweedFS (:{weed_ports.s3}) in {self.root}")
        self.temporal.start()
        self.s3.start()
        self.wait_temporal()
        self.store = EvidenceStore(self.settings)

        def bucket() -> bool:
            self.store.ensure_bucket()
            return True

        wait_for(bucket, "SeaweedFS S3", BOOT_TIMEOUT, self.s3)
        self.log(f"migrating {self.db}" + (f" (schema {self._schema})" if self._schema else ""))
        upgrade(self.settings)
        self.demo = asyncio.run(self._seed())
        env = self.settings.as_env()
        env["PYTHONUNBUFFERED"] = "1"
        self.env = env
        for i in range(self.workers):
            self.worker_procs.append(
                Service(
                    f"worker{i}",
                    [venv_bin("vnfil-worker")],
                    self.root / "logs" / f"worker{i}.log",
                    env,
                ).start()
            )
        for i, port in enumerate(self.api_ports):
            self.api_procs.append(
                Service(
                    f"api{i}",
                    [
                        sys.executable,
                        "-m",
                        "uvicorn",
                        "api.main:app",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--no-access-log",
                    ],
                    self.root / "logs" / f"api{i}.log",
                    env,
                ).start()
            )
        for i in range(self.apis):
            self.wait_api(i)
        self.log(f"{self.apis} API and {self.workers} worker processes up")

    async def _seed(self) -> dict[str, Any]:
        engine = make_engine(self.settings)
        try:
            return await seed_demo(make_session_factory(engine), self.settings)
        finally:
            await engine.dispose()

    def stop(self) -> None:
        for svc in [*self.api_procs, *self.worker_procs]:
            svc.stop(timeout=10)
        for name in ("s3", "temporal"):
            server: Service | None = getattr(self, name, None)
            if server is not None:
                server.stop(timeout=15)
        if self._schema:
            with (
                contextlib.suppress(Exception),
                psycopg.connect(self.pg_dsn, autocommit=True) as conn,
            ):
                conn.execute(f'DROP SCHEMA IF EXISTS "{self._schema}" CASCADE')  # type: ignore[arg-type]

    # --- readiness ----------------------------------------------------------------

    def wait_temporal(self, timeout: float = BOOT_TIMEOUT) -> None:
        wait_for(lambda: tcp_open(self.temporal_port), "Temporal", timeout, self.temporal)

    def wait_s3(self, timeout: float = BOOT_TIMEOUT) -> None:
        wait_for(lambda: self.store.client.list_buckets() is not None, "S3", timeout, self.s3)

    def api_url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.api_ports[i]}"

    def wait_api(self, i: int, timeout: float = BOOT_TIMEOUT) -> None:
        # Any answer below 500 (even a degraded /health's 503 is fine during an outage):
        # the process is serving.
        url = f"{self.api_url(i)}/me"
        wait_for(lambda: http_ok(url), f"API {i}", timeout, self.api_procs[i])

    # --- faults -------------------------------------------------------------------

    def kill_worker(self, i: int) -> None:
        self.held_down.add(f"worker{i}")
        self.worker_procs[i].kill()

    def start_worker(self, i: int) -> None:
        self.worker_procs[i].start()
        self.held_down.discard(f"worker{i}")

    def kill_api(self, i: int) -> None:
        self.held_down.add(f"api{i}")
        self.api_procs[i].kill()

    def restart_api(self, i: int) -> None:
        self.api_procs[i].start()
        try:
            self.wait_api(i)
        finally:
            self.held_down.discard(f"api{i}")

    def stop_temporal(self) -> None:
        self.held_down.add("temporal")
        self.temporal.stop()

    def start_temporal(self) -> None:
        self.temporal.start()
        try:
            self.wait_temporal()
        finally:
            self._back_at["temporal"] = time.monotonic()
            self.held_down.discard("temporal")

    def stop_s3(self) -> None:
        self.held_down.add("s3")
        self.s3.stop()

    def start_s3(self) -> None:
        self.s3.start()
        try:
            self.wait_s3()
        finally:
            self._back_at["s3"] = time.monotonic()
            self.held_down.discard("s3")

    def supervise(self) -> None:
        """Restart what died without being told to, and remember it (a finding)."""
        now = time.monotonic()
        for svc in [*self.worker_procs, *self.api_procs, self.temporal, self.s3]:
            if svc.alive() or svc.name in self.held_down:
                continue
            if now - self._restarted.get(svc.name, 0.0) < RESTART_BACKOFF:
                continue  # as a process manager does: no tight crash loop
            self._unexpected(svc)
            self._restarted[svc.name] = now
            svc.start()

    def _unexpected(self, svc: Service) -> None:
        code = svc.proc.returncode if svc.proc is not None else None
        now = time.monotonic()
        # A process that cannot reach a dependency which is down (or just came back and
        # is not serving yet) exits: that is told apart from an exit for no reason.
        away = sorted(
            name
            for name in ("temporal", "s3")
            if name in self.held_down or now - self._back_at.get(name, -1e9) < RECOVERY_GRACE
        )
        self.unexpected_exits.append(
            {"service": svc.name, "code": code, "at": time.time(), "while_down": away}
        )
        during = f" while {'+'.join(away)} was down or recovering" if away else ""
        self.log(
            f"!! {svc.name} exited by itself (code {code}){during}; restarting; see {svc.log_path}"
        )
