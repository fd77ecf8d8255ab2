"""A worker killed mid-case (SIGKILL) and started again resumes the case."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from api.main import create_app
from tests.conftest import make_settings
from tests.factories import make_world, new_case, ok
from vnfil.platform.embedded import Service, venv_bin


async def test_worker_killed_mid_case_resumes(
    stack, database, s3_server, temporal_env, tmp_path: Path
) -> None:
    # Its own task queue, served only by a worker process we can kill.
    settings = make_settings(database, s3_server, temporal_env, tmp_path)
    settings.s3_bucket = stack.settings.s3_bucket

    def worker() -> Service:
        return Service(
            "worker", [venv_bin("vnfil-worker")], tmp_path / "worker.log", settings.as_env()
        ).start()

    proc = worker()
    app = create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver", timeout=120
            ) as http:
                stack_http, stack.http = stack.http, http
                try:
                    w = await make_world(stack)
                finally:
                    stack.http = stack_http
                run = await new_case(w)
                ok(await run.identify())
                await run.add_default_evidence()
                ok(await run.assign())

                proc.kill()
                assert not proc.alive()
                # A step sent while no worker runs waits; it is not lost.
                submit = asyncio.create_task(run.submit())
                await asyncio.sleep(2)
                assert not submit.done()
                proc = worker()
                status = ok(await asyncio.wait_for(submit, 60))
                assert status["stage"] == "assessment"
                assert len(status["manifest"]) == 2

                ok(await run.verify_identity())
                for a in run.assessors:
                    ok(await run.decide(a))
                proc.kill()
                proc = worker()
                ok(await run.accept())
                status = ok(await run.certify())
                assert status["stage"] == "completed" and status["credential_id"]
                records = ok(await http.get(f"{run.url}/stage-records", headers=w.admin.auth))
                assert len(records) == 4
    finally:
        proc.stop()
        log = (tmp_path / "worker.log").read_text() if (tmp_path / "worker.log").exists() else ""
        assert "Traceback" not in log, log[-3000:]
