"""The ceiling for ``GET /cases/{id}``: a bare FastAPI app doing one indexed SELECT (a
case row by its primary key) on the same database, with vnfil's engine settings, served
by uvicorn as vnfil's API is (``bench.stack.uvicorn_argv``); and the closed-loop client
that drives both.

The client is a process of its own with a minimal HTTP/1.1 keep-alive client on asyncio
(no parsing beyond the status line and Content-Length), so on a 2-core machine its own
cost stays small beside the servers'; ``GET /ping`` (no database) shows its ceiling.

    python -m bench.bare_api load http://127.0.0.1:PORT/cases/ID [--header 'K: V']
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, Request
from sqlalchemy import text

from vnfil.platform.db import make_engine, make_session_factory
from vnfil.platform.settings import Settings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = make_engine(Settings())
    app.state.sessions = make_session_factory(engine)
    try:
        yield
    finally:
        await engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.get("/cases/{case_id}")
async def one_case(case_id: str, request: Request) -> dict[str, Any]:
    async with request.app.state.sessions() as session:
        row = (
            (await session.execute(text("SELECT * FROM cases WHERE id = :id"), {"id": case_id}))
            .mappings()
            .first()
        )
    if row is None:
        raise HTTPException(404, f"no case {case_id}")
    return dict(row)


@app.get("/ping")
async def ping() -> dict[str, Any]:
    return {}


# --- the client ----------------------------------------------------------------------------

_LENGTH = re.compile(rb"(?i)\r\ncontent-length:\s*(\d+)")


async def _connection(
    host: str, port: int, request: bytes, stop_at: float, latencies: list[float], errors: list[str]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            found = _LENGTH.search(head)
            body = await reader.readexactly(int(found.group(1))) if found else b""
            if head[9:12] != b"200":
                errors.append(head[:12].decode() + " " + body[:100].decode(errors="replace"))
                continue
            latencies.append(time.perf_counter() - started)
    finally:
        writer.close()


async def load(url: str, headers: list[str], seconds: float, concurrency: int) -> dict[str, Any]:
    """``concurrency`` connections, each sending the next request when the last is answered,
    for ``seconds``: requests answered per second, p50/p99, failures."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {path} HTTP/1.1", f"Host: {parts.netloc}", *headers, "", ""]
    request = "\r\n".join(lines).encode()
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    stop_at = started + seconds
    assert parts.hostname and parts.port
    await asyncio.gather(
        *(
            _connection(parts.hostname, parts.port, request, stop_at, latencies, errors)
            for _ in range(concurrency)
        )
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    n = len(latencies)
    return {
        "requests_per_s": round(n / elapsed, 1),
        "answered": n,
        "failures": len(errors),
        "errors": sorted(set(errors))[:3],
        "p50_ms": round(latencies[n // 2] * 1000, 2) if n else None,
        "p99_ms": round(latencies[max(0, int(n * 0.99) - 1)] * 1000, 2) if n else None,
    }


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("load", help="drive one URL, closed loop; prints JSON")
    run.add_argument("url")
    run.add_argument("--header", action="append", default=[])
    run.add_argument("--seconds", type=float, default=10)
    run.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(load(args.url, args.header, args.seconds, args.concurrency))))


if __name__ == "__main__":
    cli()
