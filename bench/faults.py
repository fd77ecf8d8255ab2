"""`python -m bench.faults`: validation cases through the HTTP API while the stack is broken.

Real processes (``bench/fault_stack.py``): N API processes (uvicorn), M workers
(``vnfil-worker``), one Temporal dev server, one SeaweedFS, SQLite or a fresh
PostgreSQL schema. Each case goes register → open → counselling → identification → two
uploads → panel → submission → identity → two decisions → acceptance → certification,
while these faults are injected (``--faults``, comma-separated):

- ``worker-kill``: a worker SIGKILLed every 5–20 s (seeded) and started again;
- ``s3-outage``: SeaweedFS stopped for ``--s3-down`` s and started on the same ports/data;
- ``temporal-restart``: the dev server stopped for ``--temporal-down`` s and started on
  the same port and ``--db-filename`` (every workflow survives);
- ``api-kill-upload``: an API process SIGKILLed while a large upload streams through it
  (once a multipart upload is open in S3), then started again.

The clients behave like real ones: on a connection error or a 5xx they send the same
request again with the same ``Idempotency-Key`` (uploads and steps), honouring
``Retry-After``; a definite 4xx is final. At the end, 20 credentials are revoked at once
(worker kills still going), the orphan sweep runs with a grace period of 0, and the
report counts what a validation centre cannot accept: unfinished cases, duplicates, lost
or orphaned evidence, incomplete multipart uploads, broken audit chains, revoked
credentials that still verify, 500s, and how slow database-only reads got in each outage.
Exit status 0 when every invariant holds.

Example: ``python -m bench.faults --cases 30 --db postgresql --apis 2 --workers 2``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import functools
import hashlib
import itertools
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from bench.fault_stack import PG_DSN, FaultStack, Outage
from vnfil.cases.audit import chain_of, verify_chain
from vnfil.cases.models import AuditEntry, Case, StageRecord
from vnfil.credentials.models import Credential, StatusList
from vnfil.credentials.verification import verify_credential
from vnfil.events.models import Event
from vnfil.evidence.models import Evidence
from vnfil.evidence.schemas import SweepInput, SweepReport
from vnfil.platform.db import make_engine, make_session_factory
from vnfil.platform.temporal import connect
from vnfil.standards.service import sample_document
from vnfil.trust.registry import DatabaseRegistry
from workflows.sweep import OrphanSweep

ALL_FAULTS = ("worker-kill", "temporal-restart", "s3-outage", "api-kill-upload")
STANDARD = "digital-collaboration"
# Only the revoked cases have these; compared apart from every case's common shape.
REVOCATION_EVENTS = ("credential.revoked",)
STEPS_PER_CASE = 13  # register, open, counsel, identify, 2 uploads, panel, submit,
#                      identity, 2 decisions, accept, certify
MiB = 1024 * 1024
PDF_HEAD = b"%PDF-1.7\n"
PNG_HEAD = b"\x89PNG\r\n\x1a\n"


@dataclass
class Options:
    cases: int = 6
    db: str = "sqlite"
    apis: int = 1
    workers: int = 1
    faults: tuple[str, ...] = ALL_FAULTS
    seed: int = 1
    duration: float = 1800.0  # the whole run gives up on cases after this long
    concurrency: int = 8
    kill_every: tuple[float, float] = (5.0, 20.0)
    worker_kills: int | None = None  # at most this many (None: until the cases are done)
    temporal_down: tuple[float, float] = (20.0, 60.0)
    s3_down: tuple[float, float] = (60.0, 60.0)
    # Planned outages start when this share of all steps is done (S3, then Temporal).
    s3_at: float = 0.25
    temporal_at: float = 0.5
    rounds: int = 1  # how many times the S3 outage and the Temporal restart happen
    big_mib: int = 12
    revocations: int = 20
    pg_dsn: str = field(default_factory=lambda: os.environ.get("VNFIL_TEST_PG", PG_DSN))
    workdir: Path | None = None
    keep: bool = False
    quiet: bool = False


# --- the HTTP client: retries like a real one ------------------------------------


@dataclass
class Call:
    t0: float
    ms: float
    route: str
    status: int | None  # None: the connection failed (refused, reset, timed out)
    api: int


class Refused(Exception):
    """A definite 4xx: final for this request."""

    def __init__(
        self, route: str, response: httpx.Response, ambiguous: bool, history: list[str]
    ) -> None:
        super().__init__(f"{route}: {response.status_code} {response.text[:300]}")
        self.response = response
        self.ambiguous = ambiguous  # an earlier attempt's outcome was unknown
        self.history = history  # "<seconds since start> <status>" of every attempt


class Ambiguous(Exception):
    """No definite answer (connection lost or 5xx) and the caller asked not to retry."""


class GaveUp(Exception):
    pass


def _retry_after(r: httpx.Response) -> float | None:
    value = r.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class Http:
    def __init__(
        self, urls: list[str], rng: random.Random, deadline: float, t_start: float
    ) -> None:
        self.t_start = t_start
        self.clients = [
            httpx.AsyncClient(base_url=u, timeout=httpx.Timeout(120.0, connect=10.0)) for u in urls
        ]
        self.rng = rng
        self.deadline = deadline
        self.calls: list[Call] = []
        self._rr = itertools.count()

    async def aclose(self) -> None:
        for c in self.clients:
            await c.aclose()

    def _backoff(self, attempt: int) -> float:
        return min(10.0, 0.5 * 2 ** min(attempt, 5)) * (0.5 + self.rng.random())

    async def request(
        self,
        method: str,
        path: str,
        *,
        route: str,
        token: str | None = None,
        key: str | None = None,
        expect: tuple[int, ...] = (200,),
        json_body: Any = None,
        json_fn: Callable[[int], Any] | None = None,
        params: Any = None,
        content_fn: Callable[[int], Any] | None = None,
        headers: dict[str, str] | None = None,
        pin: int | None = None,
        retries: bool = True,
    ) -> httpx.Response:
        """Send until a definite answer. ``pin`` sends the first attempt to that API."""
        ambiguous = False
        history: list[str] = []
        for attempt in itertools.count(1):
            if time.monotonic() > self.deadline:
                raise GaveUp(f"{route}: out of time after {attempt - 1} attempts")
            i = pin if (pin is not None and attempt == 1) else next(self._rr) % len(self.clients)
            h = dict(headers or {})
            if token:
                h["Authorization"] = f"Bearer {token}"
            if key:
                h["Idempotency-Key"] = key
            kw: dict[str, Any] = {"headers": h, "params": params}
            if json_fn is not None:
                kw["json"] = json_fn(attempt)
            elif json_body is not None:
                kw["json"] = json_body
            if content_fn is not None:
                kw["content"] = content_fn(attempt)
            t0 = time.monotonic()
            try:
                r = await self.clients[i].request(method, path, **kw)
            except httpx.TransportError:
                self.calls.append(Call(t0, (time.monotonic() - t0) * 1000, route, None, i))
                history.append(f"{t0 - self.t_start:.1f}s api{i} connection failed")
                ambiguous = True
                if not retries:
                    raise Ambiguous(f"{route}: connection failed") from None
                await asyncio.sleep(self._backoff(attempt))
                continue
            self.calls.append(Call(t0, (time.monotonic() - t0) * 1000, route, r.status_code, i))
            history.append(f"{t0 - self.t_start:.1f}s api{i} {r.status_code}")
            if r.status_code in expect:
                return r
            hint = _retry_after(r)
            if r.status_code >= 500 or r.status_code == 429 or (r.status_code == 409 and hint):
                ambiguous = ambiguous or r.status_code >= 500
                if not retries:
                    raise Ambiguous(f"{route}: {r.status_code}")
                wait = hint if hint is not None else self._backoff(attempt)
                await asyncio.sleep(min(wait, 30.0) + self.rng.random() * 0.5)
                continue
            raise Refused(route, r, ambiguous, history)
        raise AssertionError("unreachable")


# --- files --------------------------------------------------------------------


class Upload:
    """A file made on the fly, the same bytes on every attempt; the first attempt can
    stop after ``pause_after`` bytes until ``resume`` is set (the API is killed then)."""

    def __init__(self, head: bytes, size: int, block: bytes) -> None:
        self.head, self.size, self.block = head, size, block
        self.pause_after: int | None = None
        self.resume = asyncio.Event()
        self.paused = asyncio.Event()
        sha = hashlib.sha256()
        for chunk in self._pieces():
            sha.update(chunk)
        self.sha256 = sha.hexdigest()

    def _pieces(self) -> list[bytes]:
        out, sent = [self.head], len(self.head)
        while sent < self.size:
            piece = self.block[: min(len(self.block), self.size - sent)]
            out.append(piece)
            sent += len(piece)
        return out

    def body(self, attempt: int) -> Any:
        if self.pause_after is None or attempt > 1:
            return b"".join(self._pieces()) if self.size <= 2 * MiB else self._stream(None)
        return self._stream(self.pause_after)

    async def _stream(self, pause_after: int | None) -> AsyncIterator[bytes]:
        sent = 0
        for piece in self._pieces():
            for i in range(0, len(piece), 256 * 1024):
                chunk = piece[i : i + 256 * 1024]
                yield chunk
                sent += len(chunk)
                if pause_after is not None and sent >= pause_after:
                    pause_after = None
                    self.paused.set()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.resume.wait(), 180)


# --- the run ------------------------------------------------------------------


@dataclass
class CaseOutcome:
    index: int
    case_id: str | None = None
    step: str = ""
    completed: bool = False
    error: str | None = None
    seconds: float = 0.0


@dataclass
class Probe:
    t0: float
    ms: float
    status: int | None
    api: int


class FaultRun:
    def __init__(self, opts: Options) -> None:
        self.opts = opts
        self.rng = random.Random(opts.seed)
        self.run_id = uuid.uuid4().hex[:6]
        self.outcomes: list[CaseOutcome] = []
        self.outages: list[Outage] = []
        self.kills: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.anomalies: list[dict[str, Any]] = []
        self.probes: list[Probe] = []
        self.progress = 0
        self.cases_done = asyncio.Event()
        self.stop_kills = asyncio.Event()
        self.api_kill_done = asyncio.Event()
        self.t_start = time.monotonic()

    def log(self, msg: str) -> None:
        if not self.opts.quiet:
            print(f"[faults {time.monotonic() - self.t_start:7.1f}s] {msg}", flush=True)

    # --- the cases ------------------------------------------------------------

    async def drive_case(self, idx: int) -> None:
        out = CaseOutcome(idx)
        self.outcomes.append(out)
        started = time.monotonic()
        try:
            await self._case(idx, out)
            out.completed = True
        except (Refused, GaveUp, AssertionError) as exc:
            out.error = str(exc)[:400]
            if isinstance(exc, Refused):
                out.error += " | attempts: " + ", ".join(exc.history[-6:])
            self.log(f"case {idx} failed at {out.step}: {out.error}")
        except Exception as exc:  # noqa: BLE001 - a harness bug must not hide the others
            out.error = f"{type(exc).__name__}: {exc}"[:400]
            self.log(f"case {idx} crashed at {out.step}: {out.error}")
        finally:
            out.seconds = time.monotonic() - started

    async def _status(self, case_id: str) -> dict[str, Any]:
        r = await self.http.request(
            "GET",
            f"/cases/{case_id}/status",
            route="GET /cases/{id}/status",
            token=self.demo["tokens"]["admin"],
        )
        return dict(r.json())

    async def _step(
        self,
        out: CaseOutcome,
        name: str,
        method: str,
        path: str,
        token: str,
        *,
        json_body: Any = None,
        landed: Callable[[dict[str, Any]], bool] | None = None,
    ) -> httpx.Response | None:
        out.step = name
        assert out.case_id is not None
        route = f"{method} /cases/{{id}}/{path.rsplit('/', 1)[-1]}"
        try:
            return await self.http.request(
                method,
                path,
                route=route,
                token=token,
                key=f"{name}-{out.case_id}-{self.run_id}",
                json_body=json_body,
            )
        except Refused as exc:
            # The first attempt's outcome was unknown and the retry was refused: a real
            # client looks at the case before it gives up.
            if exc.ambiguous and landed is not None and landed(await self._status(out.case_id)):
                self.anomalies.append(
                    {
                        "case": out.case_id,
                        "step": name,
                        "what": "a retry with the same Idempotency-Key was refused although "
                        "the first attempt had landed",
                        "answer": f"{exc.response.status_code} {exc.response.text[:200]}",
                        "attempts": exc.history,
                    }
                )
                return None
            raise
        finally:
            self.progress += 1

    async def _case(self, idx: int, out: CaseOutcome) -> None:
        d, tag = self.demo, f"{self.opts.seed}-{self.run_id}-{idx}"
        t, u = d["tokens"], d["users"]
        out.step = "register"
        r = await self.http.request(
            "POST",
            "/users/register",
            route="POST /users/register",
            expect=(201,),
            json_fn=lambda a: {"name": f"Fault Case {idx}", "email": f"f-{tag}-{a}@faults.example"},
        )
        self.progress += 1
        ct = self._tokens[idx] = r.json()["token"]
        out.step = "open"
        out.case_id = await self._open_case(ct)
        self.progress += 1
        cid = out.case_id
        url = f"/cases/{cid}"
        los = self.los
        await self._step(
            out,
            "counsel",
            "POST",
            f"{url}/counselling",
            t["counsellor"],
            json_body={
                "held_on": "2026-11-25",
                "mode": "online",
                "notes": "fault harness",
                "prerequisites_met": [True] * self.prerequisites,
            },
            landed=lambda s: bool(s.get("counselling")),
        )
        await self._step(
            out,
            "identify",
            "POST",
            f"{url}/identification",
            ct,
            json_body={"selected_lo_ids": los},
            landed=lambda s: bool(s.get("selected_lo_ids")),
        )
        half = len(los) // 2
        big = idx == 0 and "api-kill-upload" in self.opts.faults
        first = Upload(
            PDF_HEAD + f"% fault case {tag} file 1\n".encode(),
            self.opts.big_mib * MiB if big else 24 * 1024,
            self.block,
        )
        second = Upload(PNG_HEAD + f"fault case {tag} file 2\n".encode(), 16 * 1024, self.block)
        killer = None
        if big:
            first.pause_after = self.stack.settings.s3_part_size + MiB
            killer = asyncio.create_task(self._kill_api_mid_upload(cid, first))
        try:
            await self._upload(out, "upload-1", first, "application/pdf", los[:half], pin=0)
        finally:
            if killer is not None:
                await killer
        await self._upload(out, "upload-2", second, "image/png", los[half:])
        await self._step(
            out,
            "panel",
            "PUT",
            f"{url}/panel",
            t["admin"],
            json_body={
                "assessor_ids": [u["assessor1"], u["assessor2"]],
                "supervisor_id": u["supervisor"],
            },
            landed=lambda s: bool(s.get("assessor_ids")),
        )
        await self._step(
            out,
            "submit",
            "POST",
            f"{url}/submission",
            ct,
            landed=lambda s: bool(s.get("submitted")),
        )
        await self._step(
            out,
            "identity",
            "POST",
            f"{url}/identity",
            t["supervisor"],
            json_body={"method": "online", "document_type": "id-card", "result": "verified"},
            landed=lambda s: s.get("identity") is not None,
        )
        for who in ("assessor1", "assessor2"):
            uid = u[who]
            await self._step(
                out,
                f"decide-{who}",
                "POST",
                f"{url}/decisions",
                t[who],
                json_body={
                    "decisions": [
                        {"lo_id": lo, "achieved": True, "rationale": "shown by the evidence"}
                        for lo in los
                    ]
                },
                landed=functools.partial(_decided, uid),
            )
        await self._step(
            out,
            "accept",
            "POST",
            f"{url}/result-acceptance",
            ct,
            landed=lambda s: bool(s.get("result_final")),
        )
        await self._step(
            out,
            "certify",
            "POST",
            f"{url}/certification",
            t["admin"],
            landed=lambda s: s.get("stage") == "completed",
        )
        out.step = "done"
        state = await self._status(cid)
        assert state.get("stage") == "completed", f"case ended in {state.get('stage')}"

    async def _open_case(self, token: str) -> str:
        """POST /cases takes no Idempotency-Key: after an unknown outcome, the client looks
        for the case it may have opened before it opens another."""
        body = {
            "standard_id": self.demo["standards"][STANDARD],
            "centre_id": self.demo["centre_id"],
        }
        for attempt in itertools.count(1):
            try:
                r = await self.http.request(
                    "POST",
                    "/cases",
                    route="POST /cases",
                    token=token,
                    expect=(201,),
                    json_body=body,
                    retries=False,
                )
                return str(r.json()["id"])
            except Ambiguous:
                await asyncio.sleep(self.http._backoff(attempt))
                mine = await self.http.request(
                    "GET", "/cases", route="GET /cases", token=token, params={"limit": 5}
                )
                if mine.json():
                    self.notes.append("POST /cases: outcome unknown, an opened case was found")
                    return str(mine.json()[0]["id"])
        raise AssertionError("unreachable")

    async def _upload(
        self,
        out: CaseOutcome,
        name: str,
        up: Upload,
        media_type: str,
        los: list[str],
        pin: int | None = None,
    ) -> None:
        out.step = name
        assert out.case_id is not None
        try:
            r = await self.http.request(
                "POST",
                f"/cases/{out.case_id}/evidence",
                route="POST /cases/{id}/evidence",
                token=self._tokens[out.index],
                key=f"{name}-{out.case_id}-{self.run_id}",
                expect=(201,),
                params=[("kind", "certificate"), ("filename", f"{name}.bin")]
                + [("lo", lo) for lo in los],
                content_fn=up.body,
                headers={"Content-Type": media_type},
                pin=pin,
            )
        finally:
            self.progress += 1
        got = r.json()
        if got.get("sha256") != up.sha256 or got.get("size") != up.size:
            self.anomalies.append(
                {"case": out.case_id, "step": name, "what": "stored file differs from the sent one"}
            )

    # --- faults ---------------------------------------------------------------

    async def _kill_api_mid_upload(self, case_id: str, up: Upload) -> None:
        """Once the upload's first part is in S3 (a multipart upload is open), SIGKILL
        the API process streaming it, let the client fail, and start the API again."""
        prefix = f"cases/{case_id}/evidence/"
        outage = Outage("api-kill-upload", time.monotonic(), detail="api0")
        try:
            await asyncio.wait_for(up.paused.wait(), 300)
            deadline = time.monotonic() + 60
            seen = False
            while time.monotonic() < deadline:
                found = await asyncio.to_thread(
                    lambda: list(
                        self.stack.store.incomplete_uploads(
                            prefix, datetime.now(UTC) + timedelta(1)
                        )
                    )
                )
                if found:
                    seen = True
                    break
                await asyncio.sleep(0.2)
            outage.start = time.monotonic()
            self.stack.kill_api(0)
            outage.detail = "api0 killed " + (
                "with a multipart upload open" if seen else "(no multipart upload seen!)"
            )
            self.log(f"fault: {outage.detail}")
            self.outages.append(outage)
            up.resume.set()
            await asyncio.to_thread(self.stack.restart_api, 0)
            outage.end = time.monotonic()
            self.log("fault: api0 back")
        except Exception as exc:  # noqa: BLE001
            self.notes.append(f"api-kill-upload not exercised: {type(exc).__name__}: {exc}")
            up.resume.set()
            if "api0" in self.stack.held_down:
                await asyncio.to_thread(self.stack.restart_api, 0)
        finally:
            self.api_kill_done.set()

    async def _sleep_unless(self, seconds: float, event: asyncio.Event) -> bool:
        """Sleep; True if ``event`` was set meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)
            return True
        return False

    async def worker_killer(self) -> None:
        lo, hi = self.opts.kill_every
        while True:
            if await self._sleep_unless(self.rng.uniform(lo, hi), self.stop_kills):
                return
            if self.opts.worker_kills is not None and len(self.kills) >= self.opts.worker_kills:
                return
            i = self.rng.randrange(self.opts.workers)
            self.stack.kill_worker(i)
            self.kills.append({"worker": i, "at": time.monotonic() - self.t_start})
            self.log(f"fault: worker{i} SIGKILLed (kill {len(self.kills)})")
            await asyncio.sleep(self.rng.uniform(0.5, 2.0))
            self.stack.start_worker(i)

    async def _until_progress(self, share: float) -> bool:
        """Until ``share`` of all steps are done; False if the cases finished first."""
        target = share * self.opts.cases * STEPS_PER_CASE
        while self.progress < target:
            if self.cases_done.is_set():
                return False
            await asyncio.sleep(0.5)
        return not self.cases_done.is_set()

    async def planned_outages(self) -> None:
        """S3 then Temporal, ``rounds`` times, each when its share of all steps is done."""
        f, k = self.opts.faults, self.opts.rounds
        if "api-kill-upload" in f:
            await self.api_kill_done.wait()
        for r in range(k):
            if "s3-outage" in f:
                if await self._until_progress((r + self.opts.s3_at) / k):
                    down = self.rng.uniform(*self.opts.s3_down)
                    await self._outage("s3-outage", down, self.stack.stop_s3, self.stack.start_s3)
                else:
                    self.notes.append("s3-outage not exercised: the cases finished first")
            if "temporal-restart" in f:
                if await self._until_progress((r + self.opts.temporal_at) / k):
                    down = self.rng.uniform(*self.opts.temporal_down)
                    await self._outage(
                        "temporal-restart",
                        down,
                        self.stack.stop_temporal,
                        self.stack.start_temporal,
                    )
                else:
                    self.notes.append("temporal-restart not exercised: the cases finished first")

    async def _outage(
        self, kind: str, down: float, stop: Callable[[], None], start: Callable[[], None]
    ) -> None:
        outage = Outage(kind, time.monotonic(), detail=f"down {down:.0f}s")
        self.outages.append(outage)
        self.log(f"fault: {kind} begins ({outage.detail})")
        await asyncio.to_thread(stop)
        await asyncio.sleep(down)
        for attempt in range(5):
            try:
                await asyncio.to_thread(start)
                break
            except (RuntimeError, TimeoutError) as exc:
                self.notes.append(f"{kind}: restart attempt {attempt + 1} failed: {exc}")
                await asyncio.sleep(3)
        outage.end = time.monotonic()
        self.log(f"fault: {kind} over after {outage.end - outage.start:.1f}s")

    async def supervisor(self) -> None:
        while True:
            self.stack.supervise()
            await asyncio.sleep(1.0)

    async def prober(self) -> None:
        """Database-only reads, all through the run: GET /me and GET /cases."""
        token = self.demo["tokens"]["admin"]
        async with contextlib.AsyncExitStack() as stack:
            clients = [
                await stack.enter_async_context(
                    httpx.AsyncClient(base_url=self.stack.api_url(i), timeout=60)
                )
                for i in range(self.opts.apis)
            ]
            for n in itertools.count():
                i = n % len(clients)
                path = "/me" if n % 2 == 0 else "/cases?limit=5"
                t0 = time.monotonic()
                try:
                    r = await clients[i].get(path, headers={"Authorization": f"Bearer {token}"})
                    status: int | None = r.status_code
                except httpx.TransportError:
                    status = None
                self.probes.append(Probe(t0, (time.monotonic() - t0) * 1000, status, i))
                await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - t0)))

    # --- the end ----------------------------------------------------------------

    async def revoke(self) -> dict[str, Any]:
        async with self.sessions() as session:
            done = [o.case_id for o in self.outcomes if o.completed]
            creds = list(
                await session.scalars(
                    select(Credential).where(Credential.case_id.in_(done)).order_by(Credential.id)
                )
            )
        n = min(self.opts.revocations, len(creds) - 1 if len(creds) > 1 else len(creds))
        chosen = self.rng.sample(creds, n)
        issuer = self.demo["tokens"]["issuer"]
        self.log(f"revoking {n} credentials at once")

        async def one(cred: Credential) -> str:
            try:
                await self.http.request(
                    "POST",
                    f"/credentials/{cred.id}/revocation",
                    route="POST /credentials/{id}/revocation",
                    token=issuer,
                    json_body={"reason": "fault harness: revoked at once with others"},
                )
                return "revoked"
            except Refused as exc:
                if exc.ambiguous and exc.response.status_code == 409:
                    return "revoked (a retry found it done)"
                return f"refused: {exc}"
            except GaveUp as exc:
                return f"gave up: {exc}"

        answers = await asyncio.gather(*(one(c) for c in chosen))
        revoked_ids = {c.id for c in chosen}
        still_verify, control_failing, not_marked = [], [], []
        async with self.sessions() as session:
            registry = DatabaseRegistry(session, self.stack.settings.public_base_url)
            for cred in creds:
                row = await session.get(Credential, cred.id)
                assert row is not None
                await session.refresh(row)
                result = await verify_credential(row.document, registry)
                if cred.id in revoked_ids:
                    if result.verified:
                        still_verify.append(cred.id)
                    if row.revoked_at is None:
                        not_marked.append(cred.id)
                elif not result.verified:
                    control_failing.append(f"{cred.id}: {result.failed}")
        return {
            "requested": n,
            "answers": dict(collections.Counter(a.split(":")[0] for a in answers)),
            "still_verify": len(still_verify),
            "still_verify_ids": still_verify,
            "not_marked_revoked": len(not_marked),
            "unrevoked_failing_verification": control_failing,
        }

    async def sweep(self) -> dict[str, Any]:
        before = await asyncio.to_thread(self._incomplete_uploads)
        await asyncio.sleep(1.2)  # S3 keeps whole seconds; grace 0 means "older than now"
        client = await connect(self.stack.settings)
        report: SweepReport = await client.execute_workflow(
            OrphanSweep.run,
            SweepInput(grace_seconds=0),
            id=f"faults-sweep-{uuid.uuid4()}",
            task_queue=self.stack.settings.task_queue,
            execution_timeout=timedelta(minutes=10),
        )
        return {
            "incomplete_uploads_before": len(before),
            "removed": report.removed_count,
            "aborted_uploads": report.aborted_count,
        }

    def _incomplete_uploads(self) -> list[Any]:
        return list(self.stack.store.incomplete_uploads("", datetime.now(UTC) + timedelta(days=1)))

    async def checks(self) -> dict[str, Any]:
        store = self.stack.store
        ids = [o.case_id for o in self.outcomes if o.case_id]
        async with self.sessions() as session:
            cases = {c.id: c for c in await session.scalars(select(Case).where(Case.id.in_(ids)))}
            evidence = list(await session.scalars(select(Evidence)))
            creds = list(await session.scalars(select(Credential)))
            records = list(await session.scalars(select(StageRecord)))
            events = list(await session.scalars(select(Event)))
            lists = list(await session.scalars(select(StatusList)))
            chains = {cid: verify_chain(await chain_of(session, cid)) for cid in cases}
            actions: dict[str, collections.Counter[str]] = {
                cid: collections.Counter() for cid in cases
            }
            for row in await session.scalars(
                select(AuditEntry).where(AuditEntry.case_id.in_(list(cases)))
            ):
                if row.action not in REVOCATION_EVENTS:
                    actions[row.case_id][row.action] += 1

        completed = [o for o in self.outcomes if o.completed]
        by_case_sha = collections.Counter((e.case_id, e.sha256) for e in evidence)
        per_case_ev = collections.Counter(e.case_id for e in evidence)
        cred_per_case = collections.Counter(c.case_id for c in creds)
        lists_per = collections.Counter((s.awarding_body_id, s.purpose) for s in lists)

        def exists(key: str) -> bool:
            return store.exists(key)

        async def missing(keys: list[str]) -> list[str]:
            flags = await asyncio.gather(*(asyncio.to_thread(exists, k) for k in keys))
            return [k for k, ok in zip(keys, flags, strict=True) if not ok]

        record_keys = [r.object_key for r in records]
        report_keys = [
            r.record["report"]["object_key"]
            for r in records
            if isinstance(r.record, dict) and isinstance(r.record.get("report"), dict)
        ]
        manifest_keys = sorted(
            {
                str(m["object_key"])
                for r in records
                if r.stage == "documentation" and isinstance(r.record, dict)
                for m in _manifest(r.record)
            }
        )
        ev_missing = await missing([e.object_key for e in evidence])
        rec_missing = await missing(record_keys + report_keys)
        cred_missing = await missing([c.object_key for c in creds])
        man_missing = await missing(manifest_keys)

        objects = await asyncio.to_thread(
            lambda: [
                o.object_name
                for o in store.client.list_objects(store.bucket, recursive=True)
                if o.object_name
            ]
        )
        known = {e.object_key for e in evidence} | set(record_keys) | set(report_keys)
        known |= {c.object_key for c in creds}
        orphans: collections.Counter[str] = collections.Counter()
        for key in objects:
            if key in known:
                continue
            parts = key.split("/")
            kind = parts[2] if parts[0] == "cases" and len(parts) > 2 else parts[0]
            orphans[kind] += 1

        events_per_case: dict[str, collections.Counter[str]] = {
            cid: collections.Counter() for cid in cases
        }
        dup_events = 0
        seen_events: set[tuple[str, str, str]] = set()
        revocation_events = 0
        for ev in events:
            cid = (ev.data or {}).get("case_id") if isinstance(ev.data, dict) else None
            if ev.type in REVOCATION_EVENTS:
                revocation_events += 1
                continue  # counted apart: only some cases are revoked
            if cid in events_per_case:
                events_per_case[cid][ev.type] += 1
                sig = (cid, ev.type, f"{ev.data.get('from')}>{ev.data.get('to')}")
                if sig in seen_events:
                    dup_events += 1
                seen_events.add(sig)
        done_ids = {o.case_id for o in completed}
        counts = [sum(events_per_case[c].values()) for c in events_per_case if c in done_ids]
        shapes = collections.Counter(
            tuple(sorted(events_per_case[c].items())) for c in events_per_case if c in done_ids
        )
        audit_shapes = collections.Counter(
            tuple(sorted(actions[c].items())) for c in actions if c in done_ids
        )

        return {
            "cases": {
                "total": self.opts.cases,
                "completed": len(completed),
                "failed": [
                    {"index": o.index, "case": o.case_id, "step": o.step, "error": o.error}
                    for o in self.outcomes
                    if not o.completed
                ],
                "not_started": self.opts.cases - len(self.outcomes),
                "mean_seconds": round(statistics.fmean(o.seconds for o in completed), 1)
                if completed
                else None,
                "db_read_model_not_completed": sum(
                    1
                    for o in completed
                    if cases.get(o.case_id or "") is None
                    or cases[o.case_id or ""].stage != "completed"
                ),
            },
            "duplicates": {
                "credentials": sum(1 for n in cred_per_case.values() if n > 1),
                "evidence": sum(n - 1 for n in by_case_sha.values() if n > 1),
                "cases_with_evidence_count_not_2": sum(
                    1 for o in completed if per_case_ev.get(o.case_id or "", 0) != 2
                ),
                "status_lists_beyond_one": sum(n - 1 for n in lists_per.values() if n > 1),
                "events": dup_events,
                "completed_cases_without_credential": sum(
                    1 for o in completed if cred_per_case.get(o.case_id or "", 0) == 0
                ),
            },
            "objects": {
                "evidence_rows_without_object": len(ev_missing),
                "manifest_keys_without_object": len(man_missing),
                "stage_records_without_object": len(rec_missing),
                "credentials_without_object": len(cred_missing),
                "objects_without_row": dict(orphans),
                "incomplete_uploads_after_sweep": len(
                    await asyncio.to_thread(self._incomplete_uploads)
                ),
                "missing_examples": (ev_missing + man_missing + rec_missing + cred_missing)[:5],
            },
            "audit": {
                "chains_checked": len(chains),
                "broken": [
                    {"case": cid, "seq": c.first_broken_seq, "reason": c.reason}
                    for cid, c in chains.items()
                    if not c.valid or c.entries == 0
                ],
                "entries_per_completed_case": _spread(
                    [sum(actions[c].values()) for c in actions if c in done_ids]
                ),
                "completed_cases_unlike_the_most_common": _outliers(audit_shapes),
            },
            "events": {
                "per_completed_case": _spread(counts),
                "completed_cases_unlike_the_most_common": _outliers(shapes),
                "most_common": dict(shapes.most_common(1)[0][0]) if shapes else {},
                "credential_revoked": revocation_events,
            },
        }

    def http_summary(self) -> dict[str, Any]:
        calls = self.http.calls
        by_status = collections.Counter(str(c.status) if c.status else "conn-error" for c in calls)
        fivexx = {k: v for k, v in by_status.items() if k.isdigit() and int(k) >= 500}
        five_hundred_routes = collections.Counter(c.route for c in calls if c.status == 500)
        return {
            "requests": len(calls),
            "by_status": dict(sorted(by_status.items())),
            "5xx": fivexx,
            "500": by_status.get("500", 0),
            "500_routes": dict(five_hundred_routes),
            "5xx_routes": dict(
                collections.Counter(
                    f"{c.status} {c.route}" for c in calls if (c.status or 0) >= 500
                )
            ),
            "connection_errors": by_status.get("conn-error", 0),
            "5xx_outside_outages": self._outside_outages(
                [c.t0 for c in calls if c.status and c.status >= 500]
            ),
        }

    def _outside_outages(self, times: list[float]) -> int:
        """How many of these requests began outside every fault's window: an outage from
        its start to shortly after the service is back, a worker kill until a step it
        held can have been retried (its activity timeout, 15 s, and some)."""
        margin, after_kill = 15.0, 45.0
        windows = [(o.start - 1, (o.end or time.monotonic()) + margin) for o in self.outages]
        windows += [
            (self.t_start + k["at"] - 1, self.t_start + k["at"] + after_kill) for k in self.kills
        ]
        return sum(1 for t0 in times if not any(a <= t0 <= b for a, b in windows))

    def read_latency(self) -> dict[str, Any]:
        def stats(ps: list[Probe]) -> dict[str, Any]:
            ok = [p.ms for p in ps if p.status == 200]
            return {
                "probes": len(ps),
                "max_ms": round(max(ok), 1) if ok else None,
                "p50_ms": round(statistics.median(ok), 1) if ok else None,
                "not_200": dict(collections.Counter(str(p.status) for p in ps if p.status != 200)),
            }

        windows = []
        inside: set[int] = set()
        for o in self.outages:
            end = o.end or time.monotonic()
            # An API being killed cannot answer: look at the other ones then.
            skip_api = 0 if o.kind == "api-kill-upload" else None
            ps = [p for p in self.probes if o.start <= p.t0 <= end and p.api != skip_api]
            inside |= {id(p) for p in ps}
            windows.append(
                {
                    "kind": o.kind,
                    "seconds": round(end - o.start, 1),
                    "detail": o.detail,
                    **stats(ps),
                }
            )
        outside = [p for p in self.probes if id(p) not in inside]
        return {"outside_outages": stats(outside), "during": windows}

    # --- all of it -------------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        opts = self.opts
        self.log(
            f"{opts.cases} cases, {opts.db}, {opts.apis} API + {opts.workers} workers, "
            f"faults: {', '.join(opts.faults) or 'none'}, seed {opts.seed}"
        )
        root = opts.workdir or Path(tempfile.mkdtemp(prefix="vnfil-faults-"))
        self.stack = FaultStack(root, opts.db, opts.apis, opts.workers, opts.pg_dsn, self.log)
        try:
            await asyncio.to_thread(self.stack.start)
            return await self._run(root)
        finally:
            await asyncio.to_thread(self.stack.stop)
            if not opts.keep and opts.workdir is None:
                import shutil

                shutil.rmtree(root, ignore_errors=True)

    async def _run(self, root: Path) -> dict[str, Any]:
        opts = self.opts
        self.demo = self.stack.demo
        doc = sample_document(STANDARD)
        self.los = [lo.id for lo in doc.learning_outcomes]
        self.prerequisites = len(doc.prerequisites)
        self.block = random.Random(opts.seed).randbytes(MiB)
        self._tokens: dict[int, str] = {}
        engine = make_engine(self.stack.settings)
        self.sessions = make_session_factory(engine)
        code_before = code_fingerprint()
        started = time.monotonic()
        self.http = Http(
            [self.stack.api_url(i) for i in range(opts.apis)],
            random.Random(opts.seed + 1),
            started + opts.duration,
            self.t_start,
        )
        helpers = [asyncio.create_task(self.supervisor()), asyncio.create_task(self.prober())]
        killer = asyncio.create_task(self.worker_killer()) if "worker-kill" in opts.faults else None
        plan = asyncio.create_task(self.planned_outages())
        if "api-kill-upload" not in opts.faults:
            self.api_kill_done.set()
        try:
            gate = asyncio.Semaphore(opts.concurrency)

            async def gated(i: int) -> None:
                async with gate:
                    await self.drive_case(i)

            await asyncio.gather(*(gated(i) for i in range(opts.cases)))
            self.cases_done.set()
            drive_seconds = time.monotonic() - started
            done = sum(o.completed for o in self.outcomes)
            self.log(f"cases finished: {done}/{opts.cases} in {drive_seconds:.0f}s")
            # An outage under way is seen to its end (every service back) before the checks.
            await plan
            self.http.deadline = time.monotonic() + 600
            revocations = await self.revoke()
            self.stop_kills.set()
            if killer is not None:
                await killer
            self.stack.supervise()
            for i in range(opts.workers):
                if not self.stack.worker_procs[i].alive():
                    self.stack.start_worker(i)
            after = code_fingerprint()
            changed = sorted(
                k for k in code_before.keys() | after.keys() if code_before.get(k) != after.get(k)
            )
            if changed:
                self.notes.append(
                    "product code changed during the run (restarted processes ran the new "
                    "version): " + ", ".join(changed)
                )
            self.log("orphan sweep (grace 0)")
            sweep = await self.sweep()
            checks = await self.checks()
        finally:
            for task in [*helpers, plan] + ([killer] if killer else []):
                task.cancel()
            await asyncio.gather(
                *helpers, plan, *([killer] if killer else []), return_exceptions=True
            )
            await self.http.aclose()
            await engine.dispose()
        report: dict[str, Any] = {
            "options": {
                k: (list(v) if isinstance(v, tuple) else str(v) if isinstance(v, Path) else v)
                for k, v in asdict(opts).items()
                if k not in ("pg_dsn", "quiet")
            },
            "drive_seconds": round(drive_seconds, 1),
            **checks,
            "revocations": revocations,
            "sweep": sweep,
            "http": self.http_summary(),
            "db_reads": self.read_latency(),
            "faults": {
                "worker_kills": len(self.kills),
                "outages": [
                    {
                        "kind": o.kind,
                        "at_s": round(o.start - self.t_start, 1),
                        "seconds": round((o.end or o.start) - o.start, 1),
                        "detail": o.detail,
                    }
                    for o in self.outages
                ],
                "unexpected_exits": self.stack.unexpected_exits,
            },
            "anomalies": self.anomalies,
            "notes": self.notes,
            "workdir": str(root),
        }
        report["invariants"] = invariants(report)
        report["ok"] = all(report["invariants"].values())
        return report


PRODUCT = ("vnfil", "workflows", "activities", "api")


def code_fingerprint() -> dict[str, str]:
    """SHA-256 of every product source file: a run during which others changed the code
    (workers restarted mid-run load the new version) says so in its report."""
    root = Path(__file__).resolve().parent.parent
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for d in PRODUCT
        for p in sorted((root / d).rglob("*.py"))
    }


def _manifest(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The frozen manifest of a documentation stage record, wherever the record keeps it."""
    found: list[dict[str, Any]] = []

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            if isinstance(v.get("object_key"), str) and "/evidence/" in v["object_key"]:
                found.append(v)
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(record)
    return found


def _decided(assessor_id: str, state: dict[str, Any]) -> bool:
    return any(x.get("assessor_id") == assessor_id for x in state.get("decisions") or [])


def _spread(values: list[int]) -> dict[str, Any]:
    if not values:
        return {}
    return {"min": min(values), "max": max(values), "mean": round(statistics.fmean(values), 2)}


def _outliers(shapes: collections.Counter[Any]) -> int:
    if not shapes:
        return 0
    return sum(shapes.values()) - shapes.most_common(1)[0][1]


def invariants(r: dict[str, Any]) -> dict[str, bool]:
    o, d = r["objects"], r["duplicates"]
    return {
        "all cases completed": r["cases"]["completed"] == r["cases"]["total"],
        "no duplicate credentials": d["credentials"] == 0
        and d["completed_cases_without_credential"] == 0,
        "no duplicate evidence": d["evidence"] == 0 and d["cases_with_evidence_count_not_2"] == 0,
        "one status list per purpose": d["status_lists_beyond_one"] == 0,
        "no evidence lost": o["evidence_rows_without_object"] == 0
        and o["manifest_keys_without_object"] == 0,
        "no stage record or credential object lost": o["stage_records_without_object"] == 0
        and o["credentials_without_object"] == 0,
        "no orphaned objects after the sweep": sum(o["objects_without_row"].values()) == 0,
        "no incomplete multipart uploads after the sweep": o["incomplete_uploads_after_sweep"] == 0,
        "no broken audit chains": not r["audit"]["broken"],
        "no revoked credential verifies": r["revocations"]["still_verify"] == 0
        and r["revocations"]["not_marked_revoked"] == 0,
        "one revocation event per revocation": r["events"]["credential_revoked"]
        == r["revocations"]["requested"],
        "unrevoked credentials verify": not r["revocations"]["unrevoked_failing_verification"],
        # A retried step or activity must neither repeat nor skip an event or audit entry:
        # every completed case went the same way, so each has the same ones.
        "no duplicate events, every case the same events and audit": d["events"] == 0
        and r["events"]["completed_cases_unlike_the_most_common"] == 0
        and r["audit"]["completed_cases_unlike_the_most_common"] == 0,
        "no HTTP 500": r["http"]["500"] == 0,
    }


def render(r: dict[str, Any]) -> str:
    o, d, c = r["objects"], r["duplicates"], r["cases"]
    rows: list[tuple[str, Any]] = [
        ("cases completed / total", f"{c['completed']} / {c['total']}"),
        ("case wall time (mean s) / drive s", f"{c['mean_seconds']} / {r['drive_seconds']}"),
        ("duplicate credentials", d["credentials"]),
        ("completed cases without credential", d["completed_cases_without_credential"]),
        ("duplicate evidence rows", d["evidence"]),
        ("completed cases with != 2 evidence", d["cases_with_evidence_count_not_2"]),
        ("extra status lists", d["status_lists_beyond_one"]),
        ("duplicate events", d["events"]),
        ("evidence rows without S3 object", o["evidence_rows_without_object"]),
        ("manifest keys without S3 object", o["manifest_keys_without_object"]),
        (
            "stage records / credentials w/o object",
            f"{o['stage_records_without_object']} / {o['credentials_without_object']}",
        ),
        ("S3 objects without row (after sweep)", o["objects_without_row"] or 0),
        (
            "incomplete multipart: before / after sweep",
            f"{r['sweep']['incomplete_uploads_before']} / {o['incomplete_uploads_after_sweep']}",
        ),
        ("sweep removed / aborted", f"{r['sweep']['removed']} / {r['sweep']['aborted_uploads']}"),
        (
            "audit chains checked / broken",
            f"{r['audit']['chains_checked']} / {len(r['audit']['broken'])}",
        ),
        ("audit entries per case", r["audit"]["entries_per_completed_case"]),
        ("events per case", r["events"]["per_completed_case"]),
        ("credential.revoked events", r["events"]["credential_revoked"]),
        (
            "cases with unusual events / audit",
            f"{r['events']['completed_cases_unlike_the_most_common']} / "
            f"{r['audit']['completed_cases_unlike_the_most_common']}",
        ),
        ("revocations requested", f"{r['revocations']['requested']} {r['revocations']['answers']}"),
        ("revoked credentials that still verify", r["revocations"]["still_verify"]),
        ("unrevoked credentials failing", len(r["revocations"]["unrevoked_failing_verification"])),
        ("HTTP requests", r["http"]["requests"]),
        ("5xx by status", r["http"]["5xx"] or 0),
        ("5xx by route", r["http"]["5xx_routes"] or 0),
        ("HTTP 500", f"{r['http']['500']} {r['http']['500_routes'] or ''}".strip()),
        ("5xx outside fault windows", r["http"]["5xx_outside_outages"]),
        ("connection errors (retried)", r["http"]["connection_errors"]),
        ("worker SIGKILLs", r["faults"]["worker_kills"]),
        (
            "unexpected process exits (while Temporal/S3 down)",
            f"{len(r['faults']['unexpected_exits'])} "
            f"({sum(1 for e in r['faults']['unexpected_exits'] if e['while_down'])})",
        ),
    ]
    base = r["db_reads"]["outside_outages"]
    rows.append(
        ("DB-only reads outside outages: max / p50 ms", f"{base['max_ms']} / {base['p50_ms']}")
    )
    for w in r["db_reads"]["during"]:
        rows.append(
            (
                f"  during {w['kind']} ({w['seconds']}s)",
                f"max {w['max_ms']} ms, {w['probes']} probes, not-200 {w['not_200'] or 0}",
            )
        )
    width = max(len(k) for k, _ in rows)
    lines = ["", "vnfil fault harness", "-" * (width + 30)]
    lines += [f"{k:<{width}}  {v}" for k, v in rows]
    lines.append("-" * (width + 30))
    for name, ok in r["invariants"].items():
        lines.append(f"{'PASS' if ok else 'FAIL'}  {name}")
    for f in c["failed"][:10]:
        lines.append(f"failed case {f['index']} at {f['step']}: {f['error']}")
    for a in r["anomalies"][:10]:
        lines.append(f"anomaly: {a}")
    for n in r["notes"]:
        lines.append(f"note: {n}")
    lines.append("ALL INVARIANTS HOLD" if r["ok"] else "SOME INVARIANTS FAIL")
    return "\n".join(lines)


def run(opts: Options) -> dict[str, Any]:
    """Run the harness; return the report (also what the suite asserts on)."""
    return asyncio.run(FaultRun(opts).run())


def _pair(text: str) -> tuple[float, float]:
    lo, _, hi = text.partition(",")
    return float(lo), float(hi or lo)


def cli(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.faults",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--cases", type=int, default=6)
    p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--apis", type=int, default=1)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--faults", default=",".join(ALL_FAULTS), help="comma-separated, or 'none'")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--duration", type=float, default=1800, help="give up on cases after (s)")
    p.add_argument("--concurrency", type=int, default=8, help="cases in flight at once")
    p.add_argument("--kill-every", type=_pair, default=(5.0, 20.0), help="LO,HI seconds")
    p.add_argument("--worker-kills", type=int, default=None, help="at most this many kills")
    p.add_argument("--temporal-down", type=_pair, default=(20.0, 60.0), help="LO,HI seconds")
    p.add_argument("--s3-down", type=_pair, default=(60.0, 60.0), help="LO,HI seconds")
    p.add_argument("--rounds", type=int, default=1, help="S3 outages / Temporal restarts")
    p.add_argument("--big-mib", type=int, default=12, help="size of the upload the API dies in")
    p.add_argument("--revocations", type=int, default=20)
    p.add_argument("--pg-dsn", default=os.environ.get("VNFIL_TEST_PG", PG_DSN))
    p.add_argument("--workdir", type=Path, default=None, help="keep everything here")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (logs)")
    p.add_argument("--json", type=Path, default=None, help="also write the report here")
    a = p.parse_args(argv)
    faults = () if a.faults in ("", "none") else tuple(x.strip() for x in a.faults.split(","))
    unknown = set(faults) - set(ALL_FAULTS)
    if unknown:
        p.error(f"unknown faults: {', '.join(sorted(unknown))}")
    opts = Options(
        cases=a.cases,
        db=a.db,
        apis=a.apis,
        workers=a.workers,
        faults=faults,
        seed=a.seed,
        duration=a.duration,
        concurrency=a.concurrency,
        kill_every=a.kill_every,
        worker_kills=a.worker_kills,
        temporal_down=a.temporal_down,
        s3_down=a.s3_down,
        big_mib=a.big_mib,
        rounds=a.rounds,
        revocations=a.revocations,
        pg_dsn=a.pg_dsn,
        workdir=a.workdir,
        keep=a.keep,
    )
    # A SIGTERM unwinds like Ctrl-C: what the run made (servers, files, schema) goes.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    report = run(opts)
    print(render(report))
    if a.json:
        a.json.write_text(json.dumps(report, indent=2, default=str))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(cli())
