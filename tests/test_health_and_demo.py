"""/health reflects each service; the demo command drives a case over real HTTP."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from pathlib import Path

import httpx
import uvicorn
from typer.testing import CliRunner

from api.main import create_app
from tests.conftest import make_settings
from vnfil.cli import app as cli
from vnfil.platform.embedded import free_port, http_ok, wait_for
from vnfil.seed import seed_demo


async def test_health_is_200_when_all_reachable(stack) -> None:
    r = await stack.http.get("/health")
    assert r.status_code == 200
    assert r.json()["checks"] == {"database": "ok", "s3": "ok", "temporal": "ok"}


async def test_health_is_503_naming_what_is_unreachable(
    database, s3_server, temporal_env, tmp_path: Path
) -> None:
    dead = f"127.0.0.1:{free_port()}"
    for broken, down in (({"s3_endpoint": dead}, "s3"), ({"temporal_address": dead}, "temporal")):
        settings = make_settings(database, s3_server, temporal_env, tmp_path, **broken)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://t"
            ) as http:
                r = await http.get("/health")
        assert r.status_code == 503
        checks = r.json()["checks"]
        assert checks[down].startswith("unreachable")
        assert all(v == "ok" for k, v in checks.items() if k != down)


async def test_probes_ask_only_what_restarting_or_rerouting_would_mend(
    database, s3_server, temporal_env, tmp_path: Path
) -> None:
    """Liveness: the process serves. Readiness: its database answers. A Temporal or S3
    outage leaves both 200 (every replica would fail the same; reads still work), while
    /health names it."""
    dead = f"127.0.0.1:{free_port()}"
    no_database = {
        "database_url": f"postgresql+psycopg://postgres@{dead}/test",
        "database_schema": "",
    }
    for broken, ready in (
        ({}, 200),
        ({"temporal_address": dead, "s3_endpoint": dead}, 200),
        (no_database, 503),
    ):
        settings = make_settings(database, s3_server, temporal_env, tmp_path, **broken)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://t"
            ) as http:
                live = await http.get("/health/live")
                readiness = await http.get("/health/ready")
                full = await http.get("/health")
        assert live.status_code == 200 and live.json() == {"status": "ok"}
        assert readiness.status_code == ready, (broken, readiness.text)
        assert full.status_code == (200 if not broken else 503)
        if ready == 503:
            assert readiness.json()["checks"]["database"].startswith("unreachable")


async def test_demo_command_ends_with_a_credential(stack, tmp_path: Path) -> None:
    settings = stack.settings.model_copy(update={"data_dir": tmp_path})
    demo = await seed_demo(stack.sessions, settings)
    assert set(demo["tokens"]) >= {"admin", "assessor1", "assessor2", "supervisor", "issuer"}
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        await asyncio.to_thread(
            wait_for, lambda: http_ok(f"http://127.0.0.1:{port}/health"), "API", 30
        )
        result = await asyncio.to_thread(
            CliRunner().invoke,
            cli,
            ["demo", "--api", f"http://127.0.0.1:{port}", "--tokens", str(tmp_path / "demo.json")],
        )
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 10)
    assert result.exit_code == 0, result.output
    assert "completed with credential" in result.output
    assert "supervised-online-identity-verification" in result.output
    assert (
        "5. the credential verifies: every check passed (malformed, signature, issuer, "
        "expiry, status, accreditation)" in result.output
    )
    assert "issuer: did:web:" in result.output
    # Read in a narrow or piped terminal: no address broken over two lines, and every
    # command with the path it runs from.
    lines = result.output.splitlines()
    for label, tail in [
        ("verification page", "verification"),
        ("signed credential (JSON)", "credential.json"),
    ]:
        assert any(
            re.fullmatch(
                rf"{re.escape(label)}: http://127\.0\.0\.1:\d+/credentials/[0-9a-f-]{{36}}/{tail}",
                line,
            )
            for line in lines
        ), label
    assert ".venv/bin/temporal workflow describe" in result.output
    printed = " ".join(result.output.split())
    assert "accredited for digital-collaboration (active," in printed
    # The seed onboarded the body and the centre through the operator's path: the body is
    # the DID it was made with, and its accreditations are credentials it signed.
    assert ":issuers:frk-demo, keys current since" in printed
    assert "QA DEMO-QA-1; signed by the body)" in printed
    assert demo["tokens"]["operator"]
    # Every demo account signs in on the web with the installation's demo password.
    r = await stack.http.post(
        "/auth/login", json={"email": demo["emails"]["admin"], "password": demo["password"]}
    )
    assert r.status_code == 200 and r.json()["membership"]["role"] == "centre_admin"
    # Seeding again keeps the same people and tokens.
    again = await seed_demo(stack.sessions, settings)
    assert again["users"] == demo["users"] and again["tokens"] == demo["tokens"]
    assert again["password"] == demo["password"]
    assert json.loads((tmp_path / "demo.json").read_text())["tokens"] == demo["tokens"]
