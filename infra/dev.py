"""`make dev`: the embedded stack on one machine, in the foreground.

Starts a persistent Temporal dev server (.vnfil/temporal.db, gRPC 7233, Web UI 8233),
SeaweedFS S3 (.vnfil/s3, port 8333), applies migrations to .vnfil/vnfil.db, seeds the
demo, starts the worker and the API (8000), and waits. Ctrl-C stops all it started;
running it again resumes with every case and file intact.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vnfil.evidence.store import EvidenceStore  # noqa: E402
from vnfil.migrations import upgrade  # noqa: E402
from vnfil.platform.db import make_engine, make_session_factory  # noqa: E402
from vnfil.platform.embedded import (  # noqa: E402
    Service,
    WeedPorts,
    http_ok,
    port_free,
    tcp_open,
    temporal_service,
    venv_bin,
    wait_for,
    weed_service,
)
from vnfil.platform.settings import Settings  # noqa: E402
from vnfil.platform.temporal import SEARCH_ATTRIBUTES, connect, ensure_search_attributes  # noqa: E402
from vnfil.seed import seed_demo  # noqa: E402

TEMPORAL_PORT, TEMPORAL_UI_PORT = 7233, 8233


def say(msg: str) -> None:
    print(f"[vnfil dev] {msg}", flush=True)


def check_ports(api_port: int, weed: WeedPorts) -> None:
    wanted = {
        TEMPORAL_PORT: "Temporal gRPC",
        TEMPORAL_UI_PORT: "Temporal Web UI",
        api_port: "vnfil API",
    }
    wanted.update({p: f"SeaweedFS {n}" for p, n in weed.all().items()})
    busy = [f"{port} ({what})" for port, what in sorted(wanted.items()) if not port_free(port)]
    if busy:
        say("cannot start: these ports are already in use on 127.0.0.1: " + ", ".join(busy))
        say("stop whatever holds them (is another 'make dev' running?) and try again")
        sys.exit(1)


async def _search_attributes(settings: Settings) -> list[str]:
    return await ensure_search_attributes(await connect(settings))


def main() -> int:
    os.chdir(ROOT)
    settings = Settings()
    data = settings.data_dir.resolve()
    logs = data / "logs"
    weed_ports = WeedPorts.defaults()
    check_ports(settings.api_port, weed_ports)
    services: list[Service] = []
    stopping = False
    rc = 0

    def stop_all(*_: object) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        say("stopping …")
        for svc in reversed(services):
            svc.stop()
        say("stopped; data kept in " + str(data))

    signal.signal(signal.SIGTERM, lambda *_: (stop_all(), sys.exit(0)))
    try:
        say("starting Temporal dev server (persistent: .vnfil/temporal.db)")
        data.mkdir(parents=True, exist_ok=True)
        services.append(
            temporal_service(
                data / "temporal.db",
                TEMPORAL_PORT,
                TEMPORAL_UI_PORT,
                logs / "temporal.log",
                [sa.name for sa in SEARCH_ATTRIBUTES],
            ).start()
        )
        say("starting SeaweedFS S3 (data: .vnfil/s3)")
        services.append(
            weed_service(
                data / "s3",
                weed_ports,
                settings.s3_access_key,
                settings.s3_secret_key,
                settings.s3_bucket,
                logs / "s3.log",
            ).start()
        )
        wait_for(lambda: tcp_open(TEMPORAL_PORT), "Temporal", 90, services[0])
        store = EvidenceStore(settings)
        wait_for(lambda: store.ensure_bucket() is None, "SeaweedFS S3", 90, services[1])
        added = asyncio.run(_search_attributes(settings))
        if added:
            say("registered search attributes " + ", ".join(added))
        say("applying database migrations")
        upgrade(settings)

        async def seed() -> dict:
            engine = make_engine(settings)
            try:
                return await seed_demo(make_session_factory(engine), settings)
            finally:
                await engine.dispose()

        demo = asyncio.run(seed())
        say("starting the worker and the API")
        services.append(Service("worker", [venv_bin("vnfil-worker")], logs / "worker.log").start())
        services.append(
            Service(
                "api",
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "api.main:app",
                    "--host",
                    settings.api_host,
                    "--port",
                    str(settings.api_port),
                    "--no-access-log",
                ],
                logs / "api.log",
            ).start()
        )
        base = f"http://{settings.api_host}:{settings.api_port}"
        wait_for(lambda: http_ok(f"{base}/health"), "the API", 90, services[-1])
        print(
            f"""
vnfil is running (logs in {logs}):
  API            {base}        (OpenAPI docs: {base}/docs, health: {base}/health)
  Temporal UI    http://127.0.0.1:{TEMPORAL_UI_PORT}   (gRPC 127.0.0.1:{TEMPORAL_PORT})
  S3 (SeaweedFS) http://127.0.0.1:{weed_ports.s3}   bucket {settings.s3_bucket}
  Database       {settings.database_url}

Demo tokens (also in {data / "demo.json"}):""",
            flush=True,
        )
        for key, token in demo["tokens"].items():
            print(f"  {key:<11} {token}")
        print(
            f"\nWeb pages: {base}/  sign in as admin@demo.vnfil.example (or counsellor@, "
            f"assessor1@, supervisor@, issuer@, candidate@ …) with password {demo['password']}",
            flush=True,
        )
        print(
            "\nIn a second terminal:  .venv/bin/vnfil demo\n"
            "List cases:            .venv/bin/temporal workflow list --query \"VnfilStage='completed'\"\n"
            "Ctrl-C stops everything.\n",
            flush=True,
        )
        while True:
            for svc in services:
                if not svc.alive():
                    say(f"{svc.name} exited unexpectedly; see {svc.log_path}")
                    return 1
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    except (TimeoutError, RuntimeError) as exc:
        say(f"failed: {exc}")
        rc = 1
    finally:
        stop_all()
    return rc


if __name__ == "__main__":
    sys.exit(main())
