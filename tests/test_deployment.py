"""What a deployment past one machine relies on: the database pool sized by settings, the
worker's health port, the production server's options, the image's system packages, and
the Helm chart (linted and rendered by Helm's own engine, its probes and settings checked
against the application). The processes themselves: ``tests/test_scale_out.py``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout
from temporalio.service import TLSConfig

from vnfil.platform.db import make_engine
from vnfil.platform.embedded import free_port
from vnfil.platform.probe import serve_health
from vnfil.platform.serving import uvicorn_options
from vnfil.platform.settings import Settings
from vnfil.platform.temporal import connect, tls_config

ROOT = Path(__file__).resolve().parent.parent
SMALL_POOL = {
    "db_pool_size": 2,
    "db_max_overflow": 1,
    "db_pool_timeout_seconds": 0.5,
    "db_pool_recycle_seconds": 120,
}


async def test_the_database_pool_is_sized_by_the_settings(database, db_kind: str) -> None:
    engine = make_engine(Settings(**database, **SMALL_POOL))  # type: ignore[arg-type]
    try:
        pool = engine.pool
        if db_kind == "sqlite":
            # SQLite keeps its own pool: one file, WAL, a busy timeout (make_engine).
            assert pool.size() != SMALL_POOL["db_pool_size"]  # type: ignore[attr-defined]
            return
        assert pool.size() == 2  # type: ignore[attr-defined]
        assert pool._max_overflow == 1  # type: ignore[attr-defined]
        assert pool._timeout == 0.5  # type: ignore[attr-defined]
        assert pool._recycle == 120
        # Three connections at most: the fourth waits pool_timeout, then fails.
        held = [await engine.connect() for _ in range(3)]
        for conn in held:
            assert await conn.scalar(text("SELECT 1")) == 1
        with pytest.raises(PoolTimeout):
            await engine.connect()
        await held.pop().close()
        async with engine.connect() as conn:  # one came back: the next one gets it
            assert await conn.scalar(text("SELECT 1")) == 1
        for conn in held:
            await conn.close()
    finally:
        await engine.dispose()


def test_pool_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "VNFIL_DB_POOL_SIZE": "20",
        "VNFIL_DB_MAX_OVERFLOW": "0",
        "VNFIL_DB_POOL_TIMEOUT_SECONDS": "3.5",
        "VNFIL_DB_POOL_RECYCLE_SECONDS": "-1",
    }.items():
        monkeypatch.setenv(name, value)
    s = Settings()
    assert (s.db_pool_size, s.db_max_overflow) == (20, 0)
    assert (s.db_pool_timeout_seconds, s.db_pool_recycle_seconds) == (3.5, -1)
    defaults = Settings.model_fields
    assert defaults["db_pool_size"].default == 5 and defaults["db_max_overflow"].default == 10
    monkeypatch.setenv("VNFIL_DB_POOL_SIZE", "0")
    with pytest.raises(ValueError, match="db_pool_size"):
        Settings()


def test_the_production_server_runs_on_uvloop_and_httptools(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VNFIL_API_WORKERS", "3")
    monkeypatch.setenv("VNFIL_FORWARDED_ALLOW_IPS", "*")
    options = uvicorn_options(Settings())
    assert options["loop"] == "uvloop" and options["http"] == "httptools"
    assert options["workers"] == 3 and options["forwarded_allow_ips"] == "*"
    assert options["proxy_headers"] is True and options["timeout_keep_alive"] > 60
    assert uvicorn_options(Settings(), port=9001, workers=1)["port"] == 9001


async def _get(port: int, path: str) -> tuple[int, dict]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: probe\r\n\r\n".encode())
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


async def test_the_worker_health_port_answers_from_its_state() -> None:
    healthy = {"now": True}
    port = free_port()
    server = await serve_health(
        port, lambda: (healthy["now"], {"identity": "123@host"}), host="127.0.0.1"
    )
    try:
        assert await _get(port, "/health") == (200, {"status": "ok", "identity": "123@host"})
        healthy["now"] = False
        assert await _get(port, "/health?x=1") == (
            503,
            {"status": "stopped", "identity": "123@host"},
        )
        assert (await _get(port, "/other"))[0] == 404
    finally:
        server.close()
        await server.wait_closed()


async def test_temporal_tls_is_used_when_the_settings_ask_for_it(
    temporal_env, tmp_path: Path
) -> None:
    address = temporal_env.client.service_client.config.target_host
    plain = Settings(temporal_address=address)
    assert tls_config(plain) is False
    assert (await connect(plain)).namespace == "default"  # the dev server speaks plain gRPC
    ca = tmp_path / "ca.pem"
    ca.write_bytes(b"-----BEGIN CERTIFICATE-----\n")
    tls = tls_config(Settings(temporal_tls_ca_path=str(ca)))
    assert isinstance(tls, TLSConfig) and tls.server_root_ca_cert == ca.read_bytes()
    assert isinstance(tls_config(Settings(temporal_api_key="key")), TLSConfig)
    with pytest.raises(ValueError, match="go together"):
        tls_config(Settings(temporal_tls_cert_path=str(ca)))
    # Asked for TLS, the client does not fall back to plain text: the plain server is
    # not reached.
    with pytest.raises(RuntimeError, match="connect"):
        await asyncio.wait_for(connect(Settings(temporal_address=address, temporal_tls=True)), 60)
