"""`make bench`: throughput and memory of the real stack, each beside its own ceiling.

(a) validation cases completed per minute through the HTTP API with N concurrent
    candidates, and the same number of bare workflows of the same shape (same updates,
    no-op activities) on the same Temporal server: the ratio is what vnfil's own work costs.
(b) evidence upload MB/s through the API ÷ a direct minio put_object to the same S3, and
    the API process's RSS growth while one large file streams.
(c) credentials issued and verified per second ÷ the signing and signature check by Digital Bazaar's
    JavaScript (Node, tests/js), and ÷ one raw Ed25519 sign + verify (bench/credentials.py).
(d) the public verification page, ``POST /verify`` and ``/health`` at 100 requests a second
    each for 10 s against one API process (open loop): p50, p99 and failures. ``POST
    /verify`` twice: with a distinct credential in every request (signed here with the
    awarding body's key, so no signature check is answered from the cache; the contexts
    pruned for their shape are made once), and with one credential repeated.
(e) each page type over 10,000 cases in the database, one request at a time: p50 and p95
    (bench/pages.py). ``--only-verification`` and ``--only-pages`` run (d) or (e) alone.
(g) ``--only-export`` (not in the full run): the centre's cases CSV over 100,000 cases,
    and the API process's RSS growth while it streams.

Everything runs on real servers started here (Temporal dev server, SeaweedFS, SQLite),
the API and the worker as separate processes, as in `make dev`. All they write is in
one temporary directory, removed when the run ends however it ends (``--keep`` keeps it).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from bench import pages
from bench.bare import UPDATES_PER_CASE, BareCase, noop
from bench.credentials import run as bench_credentials
from vnfil.credentials.keys import active_key
from vnfil.credentials.signing import sign
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
JSON = {"Content-Type": "application/json"}
RESULTS = Path(__file__).parent / "results"


class Api:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def call(
        self, method: str, path: str, token: str | None, expect: int = 200, **kw: Any
    ) -> Any:
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        r = await self.http.request(method, path, headers=headers, **kw)
        if r.status_code != expect:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:300]}")
        return r.json()


PDF = b"%PDF-1.4\n" + b"0" * 4000 + b"\n%%EOF\n"


async def one_case(api: Api, demo: dict[str, Any], documentation_only: bool = False) -> str:
    t, u = demo["tokens"], demo["users"]
    me = await api.call(
        "POST",
        "/users/register",
        None,
        201,
        json={"name": "Bench Candidate", "email": f"b-{uuid.uuid4().hex}@bench.example"},
    )
    ct = me["token"]
    case = await api.call(
        "POST",
        "/cases",
        ct,
        201,
        json={
            "standard_id": demo["standards"]["digital-collaboration"],
            "centre_id": demo["centre_id"],
        },
    )
    url = f"/cases/{case['id']}"
    los = ["DC1", "DC2", "DC3", "DC4"]
    await api.call(
        "POST",
        f"{url}/counselling",
        t["counsellor"],
        json={
            "held_on": "2026-11-25",
            "mode": "online",
            "notes": "bench",
            "prerequisites_met": [True],
        },
    )
    await api.call("POST", f"{url}/identification", ct, json={"selected_lo_ids": los})
    if documentation_only:
        return case["id"]
    for part in (los[:2], los[2:]):
        await api.call(
            "POST",
            f"{url}/evidence",
            ct,
            201,
            params=[("filename", "e.pdf"), ("kind", "certificate")] + [("lo", x) for x in part],
            content=PDF,
            headers={"Content-Type": "application/pdf"},
        )
    await api.call(
        "PUT",
        f"{url}/panel",
        t["admin"],
        json={"assessor_ids": [u["assessor1"], u["assessor2"]], "supervisor_id": u["supervisor"]},
    )
    await api.call("POST", f"{url}/submission", ct)
    await api.call(
        "POST",
        f"{url}/identity",
        t["supervisor"],
        json={"method": "online", "document_type": "id-card", "result": "verified"},
    )
    for who in ("assessor1", "assessor2"):
        await api.call(
            "POST",
            f"{url}/decisions",
            t[who],
            json={
                "decisions": [{"lo_id": lo, "achieved": True, "rationale": "bench"} for lo in los]
            },
        )
    await api.call("POST", f"{url}/result-acceptance", ct)
    st = await api.call("POST", f"{url}/certification", t["admin"])
    assert st["stage"] == "completed", st
    return case["id"]


async def bench_cases(base: str, demo: dict[str, Any], n: int) -> float:
    async with httpx.AsyncClient(base_url=base, timeout=300) as http:
        api = Api(http)
        await one_case(api, demo)  # warm-up
        start = time.perf_counter()
        await asyncio.gather(*(one_case(api, demo) for _ in range(n)))
        return n / ((time.perf_counter() - start) / 60)


async def bench_bare(client: Client, n: int) -> float:
    queue = f"bench-bare-{uuid.uuid4()}"
    async with Worker(client, task_queue=queue, workflows=[BareCase], activities=[noop]):

        async def one() -> None:
            h = await client.start_workflow(
                BareCase.run, id=f"bare-{uuid.uuid4()}", task_queue=queue
            )
            for i in range(UPDATES_PER_CASE):
                await h.execute_update(BareCase.step, i)
            await h.result()

        await one()
        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(n)))
        return n / ((time.perf_counter() - start) / 60)


class _Gen:
    """A file of ``size`` bytes made on the fly (starts like a PDF), never held whole."""

    def __init__(self, size: int, chunk: int = MiB) -> None:
        self.size, self.chunk, self.sent = size, chunk, 0
        self.block = os.urandom(chunk)

    def chunks(self) -> Iterator[bytes]:
        sent = 0
        while sent < self.size:
            n = min(self.chunk, self.size - sent)
            data = self.block[:n]
            if sent == 0:
                data = b"%PDF-1.7\n" + data[9:]
            sent += n
            yield data

    async def achunks(self) -> AsyncIterator[bytes]:
        for c in self.chunks():
            yield c

    def read(self, n: int = -1) -> bytes:  # for minio
        if not hasattr(self, "_it"):
            self._it, self._buf = self.chunks(), b""
        while n < 0 or len(self._buf) < n:
            try:
                self._buf += next(self._it)
            except StopIteration:
                break
        out, self._buf = (self._buf, b"") if n < 0 else (self._buf[:n], self._buf[n:])
        return out


class RssPeak(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.base = self.proc.memory_info().rss
        self.peak = self.base
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.05)


async def bench_upload(
    base: str, demo: dict[str, Any], store: EvidenceStore, api_pid: int, size: int
) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=base, timeout=3600) as http:
        api = Api(http)
        case_id = await one_case(api, demo, documentation_only=True)
        # The candidate's token: the case's owner uploads.
        owner = await api.call(
            "POST",
            "/users/register",
            None,
            201,
            json={"name": "x", "email": f"u-{uuid.uuid4().hex}@bench.example"},
        )
        del owner  # (uploads must come from the case's own candidate; see below)
    # Open a fresh case whose candidate we hold the token of.
    async with httpx.AsyncClient(base_url=base, timeout=3600) as http:
        api = Api(http)
        me = await api.call(
            "POST",
            "/users/register",
            None,
            201,
            json={"name": "Uploader", "email": f"up-{uuid.uuid4().hex}@bench.example"},
        )
        case = await api.call(
            "POST",
            "/cases",
            me["token"],
            201,
            json={
                "standard_id": demo["standards"]["digital-collaboration"],
                "centre_id": demo["centre_id"],
            },
        )
        await api.call(
            "POST",
            f"/cases/{case['id']}/counselling",
            demo["tokens"]["counsellor"],
            json={
                "held_on": "2026-11-25",
                "mode": "online",
                "notes": "bench",
                "prerequisites_met": [True],
            },
        )
        await api.call(
            "POST",
            f"/cases/{case['id']}/identification",
            me["token"],
            json={"selected_lo_ids": ["DC1"]},
        )
        sampler = RssPeak(api_pid)
        sampler.start()
        start = time.perf_counter()
        r = await http.post(
            f"/cases/{case['id']}/evidence",
            params={"filename": "big.pdf", "kind": "media", "lo": "DC1"},
            content=_Gen(size).achunks(),
            headers={"Authorization": f"Bearer {me['token']}", "Content-Type": "application/pdf"},
        )
        api_s = time.perf_counter() - start
        sampler.stop.set()
        sampler.join()
        if r.status_code != 201:
            raise RuntimeError(f"upload: {r.status_code} {r.text[:300]}")
    del case_id
    start = time.perf_counter()
    await asyncio.to_thread(
        store.client.put_object,
        store.bucket,
        f"bench/direct-{uuid.uuid4()}",
        _Gen(size),
        -1,
        part_size=store.part_size,
        content_type="application/pdf",
    )
    direct_s = time.perf_counter() - start
    return {
        "api_mb_s": size / MiB / api_s,
        "direct_mb_s": size / MiB / direct_s,
        "ratio": direct_s / api_s,
        "rss_growth_mib": (sampler.peak - sampler.base) / MiB,
    }


EXPORT_CASES = 100_000


async def bench_export(base: str, demo: dict[str, Any], api_pid: int) -> dict[str, float]:
    """(g) The centre's cases CSV over ``EXPORT_CASES`` cases, read as a browser reads a
    download: its size and time, and the API process's RSS growth meanwhile (sampled
    every 50 ms). Streamed a batch of rows at a time, it should not grow with the file."""
    async with httpx.AsyncClient(base_url=base, timeout=1800) as http:
        r = await http.post(
            "/auth/login", json={"email": demo["emails"]["admin"], "password": demo["password"]}
        )
        assert r.status_code == 200, r.text
        sampler = RssPeak(api_pid)
        sampler.start()
        started = time.perf_counter()
        size = lines = 0
        async with http.stream("GET", "/app/cases.csv") as resp:
            assert resp.status_code == 200, resp.status_code
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                lines += chunk.count(b"\n")  # (no line breaks in these names)
        took = time.perf_counter() - started
        sampler.stop.set()
        sampler.join()
    return {
        "rows": lines - 1,
        "mib": round(size / MiB, 1),
        "seconds": round(took, 2),
        "rss_growth_mib": round((sampler.peak - sampler.base) / MiB, 1),
    }


async def open_loop(
    base: str,
    method: str,
    path: str,
    rate: float,
    seconds: float,
    bodies: Sequence[bytes] = (),
    **kw: Any,
) -> dict[str, Any]:
    """``rate`` requests a second for ``seconds``, each sent at its scheduled time whatever
    the earlier ones are doing (open loop), its latency counted from that time: a server
    that falls behind shows it in the latency, not in a slower arrival rate. With
    ``bodies`` (JSON, encoded beforehand: the client's own work stays small), request i
    sends ``bodies[i % len(bodies)]`` and fails unless the answer says ``verified``."""
    n = int(rate * seconds)
    # The client's own pauses would count as the server's latency: what exists now (the
    # bodies, the stack's clients) is kept out of its collector's sight meanwhile.
    gc.collect()
    gc.freeze()
    latencies: list[float] = []
    failures = 0
    errors: set[str] = set()
    sent: list[float] = []
    # Idle connections are dropped before uvicorn's keep-alive timeout (5 s) would close
    # them under a request being sent (a client-side ReadError, not the server's).
    limits = httpx.Limits(max_connections=512, max_keepalive_connections=512, keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        started = time.perf_counter()

        async def one(i: int) -> None:
            nonlocal failures
            due = started + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            sent.append(time.perf_counter())
            body: dict[str, Any] = (
                {"content": bodies[i % len(bodies)], "headers": JSON} if bodies else {}
            )
            try:
                r = await http.request(method, path, **body, **kw)
                ok = r.status_code == 200 and (not bodies or r.json().get("verified") is True)
                if not ok:
                    errors.add(f"{r.status_code} {r.text[:120]}")
            except httpx.TransportError as exc:
                ok = False
                errors.add(repr(exc))
            latencies.append(time.perf_counter() - due)
            failures += not ok

        await asyncio.gather(*(one(i) for i in range(n)))
        elapsed = time.perf_counter() - started
    gc.unfreeze()
    latencies.sort()
    return {
        "sent_per_s": round((n - 1) / (max(sent) - min(sent)), 1),
        "answered_per_s": round(n / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "failures": failures,
        **({"errors": sorted(errors)[:3]} if errors else {}),
    }


async def distinct_credentials(
    settings: Settings, credential: dict[str, Any], count: int
) -> list[dict[str, Any]]:
    """``count`` credentials like ``credential`` (one the stack issued), each with an id of
    its own and signed anew at its own time by the same awarding body's key, read from the
    database as the worker reads it: the same shape, status list, centre and issuer, but
    content no verifier has seen, so no cache answers for their signatures (the shared
    status list's is checked once, as in production)."""
    engine = make_engine(settings)
    try:
        async with make_session_factory(engine)() as session:
            key = await active_key(session, settings.secret_key, credential["awarding_body_id"])
    finally:
        await engine.dispose()
    method = key.method(settings.public_base_url)
    document = credential["document"]
    return [
        sign(
            {**document, "id": f"urn:uuid:{uuid.uuid4()}", "proof": []},
            key.private,
            method,
            datetime.now(UTC),
        )
        for _ in range(count)
    ]


async def bench_verification(
    base: str, demo: dict[str, Any], settings: Settings, rate: float, seconds: float = 10
) -> dict[str, Any]:
    """(d) The public face under load, at ``rate`` requests a second each: the verification
    page of one credential; ``POST /verify`` of distinct credentials, one per request (each
    verified in full: two RDFC-1.0 canonicalisations, the key, the status list, the
    accreditation), and of one credential again and again (its signature check is then
    answered from the cache); ``/health`` beside them."""
    api = Api(httpx.AsyncClient(base_url=base, timeout=60))
    issuer = demo["tokens"]["issuer"]
    listed = await api.call("GET", "/credentials?limit=1", issuer)
    credential = await api.call("GET", f"/credentials/{listed[0]['id']}", issuer)
    pool = await distinct_credentials(settings, credential, int(rate * seconds) + 1)
    checked = await api.call("POST", "/verify", None, json=pool.pop())
    distinct = [json.dumps(doc).encode() for doc in pool]
    del pool  # a thousand documents of a few hundred objects each
    await api.http.aclose()
    assert checked["verified"] and len(checked["checks"]) == 6, checked
    page = f"/credentials/{credential['id']}/verification"
    return {
        "verification page": await open_loop(base, "GET", page, rate, seconds),
        "POST /verify, distinct credentials": await open_loop(
            base, "POST", "/verify", rate, seconds, distinct
        ),
        "POST /verify, one credential repeated": await open_loop(
            base, "POST", "/verify", rate, seconds, [json.dumps(credential["document"]).encode()]
        ),
        "/health": await open_loop(base, "GET", "/health", rate, seconds),
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Everything the run writes (SQLite, Temporal's database, SeaweedFS's data with the
    2 GiB of uploads, the logs) lives in one temporary directory, removed when the run
    ends however it ends (a failure, Ctrl-C, SIGTERM) unless ``--keep``."""
    root = Path(tempfile.mkdtemp(prefix="vnfil-bench-"))
    try:
        return await _main(args, root)
    finally:
        if args.keep:
            print(f"kept {root}", flush=True)
        else:
            shutil.rmtree(root, ignore_errors=True)


async def _main(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    weed_ports, tport, api_port = WeedPorts.free(), free_port(), free_port()
    settings = Settings(
        environment="test",
        data_dir=root,
        database_url=f"sqlite+aiosqlite:///{root}/vnfil.db",
        temporal_address=f"127.0.0.1:{tport}",
        task_queue="bench-cases",
        s3_endpoint=f"127.0.0.1:{weed_ports.s3}",
        s3_access_key="bench",
        s3_secret_key="bench-secret",
        s3_bucket="bench-evidence",
        max_upload_bytes=4 * 1024 * MiB,
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
        wait_for(lambda: tcp_open(tport), "Temporal", 90, services[0])
        store = EvidenceStore(settings)
        wait_for(lambda: store.ensure_bucket() is None, "S3", 90, services[1])
        upgrade(settings)
        engine = make_engine(settings)
        demo = await seed_demo(make_session_factory(engine), settings)
        await engine.dispose()
        env = settings.as_env()
        services.append(
            Service("worker", [venv_bin("vnfil-worker")], root / "worker.log", env).start()
        )
        api = Service(
            "api",
            [
                os.sys.executable,
                "-m",
                "uvicorn",
                "api.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(api_port),
                "--no-access-log",
            ],
            root / "api.log",
            env,
        ).start()
        services.append(api)
        base = f"http://127.0.0.1:{api_port}"
        wait_for(lambda: http_ok(f"{base}/health"), "API", 90, api)
        client = await Client.connect(
            settings.temporal_address, data_converter=pydantic_data_converter
        )

        if args.only_pages:
            print("one case through the workflow, then 10,000 into the database …", flush=True)
            api = Api(httpx.AsyncClient(base_url=base, timeout=60))
            case_id = await one_case(api, demo)
            open_case_id = await one_case(api, demo, documentation_only=True)
            await pages.fill(settings, demo)
            print("(e) each page, one request at a time …", flush=True)
            return {"pages": await pages.measure(base, demo, case_id, open_case_id)}
        if args.only_export:
            print(f"{EXPORT_CASES:,} cases into the database …", flush=True)
            await pages.fill(settings, demo, cases=EXPORT_CASES)
            print("(g) the cases CSV of all of them …", flush=True)
            assert api.proc is not None
            return {"export": await bench_export(base, demo, api.proc.pid)}
        if args.only_verification:
            print("one case, to issue a credential …", flush=True)
            await bench_cases(base, demo, 1)
            print("(d) public verification at 100 requests/s, one API process …", flush=True)
            return {"verification_load": await bench_verification(base, demo, settings, 100)}
        print(f"(a) {args.cases} concurrent cases through the API …", flush=True)
        api_rate = await bench_cases(base, demo, args.cases)
        print(f"    {api_rate:.1f} cases/min; now {args.cases} bare workflows …", flush=True)
        bare_rate = await bench_bare(client, args.cases)
        size = args.file_mib * MiB
        print(f"(b) one {args.file_mib} MiB upload through the API, then direct …", flush=True)
        assert api.proc is not None
        up = await bench_upload(base, demo, store, api.proc.pid, size)
        print("(d) public verification at 100 requests/s, one API process …", flush=True)
        load = await bench_verification(base, demo, settings, 100)
        print("(e) pages over 10,000 cases …", flush=True)
        api = Api(httpx.AsyncClient(base_url=base, timeout=60))
        done_id = await one_case(api, demo)
        open_id = await one_case(api, demo, documentation_only=True)
        await pages.fill(settings, demo)
        timings = await pages.measure(base, demo, done_id, open_id)
        return {
            "pages": timings,
            "verification_load": load,
            "cases": args.cases,
            "api_cases_per_min": round(api_rate, 1),
            "bare_cases_per_min": round(bare_rate, 1),
            "cases_ratio": round(api_rate / bare_rate, 3),
            "file_mib": args.file_mib,
            "upload_api_mb_s": round(up["api_mb_s"], 1),
            "upload_direct_mb_s": round(up["direct_mb_s"], 1),
            "upload_ratio": round(up["ratio"], 3),
            "api_rss_growth_mib": round(up["rss_growth_mib"], 1),
        }
    finally:
        for svc in reversed(services):
            svc.stop()


def print_pages(timings: dict[str, dict[str, float]]) -> None:
    for name, v in timings.items():
        verdict = "(export)" if "export" in name else "PASS" if v["p95_ms"] < 150 else "FAIL"
        print(f"      {name:36} p50 {v['p50_ms']:7.1f} ms  p95 {v['p95_ms']:7.1f} ms  {verdict}")


def print_verification(load: dict[str, Any]) -> None:
    for name, v in load.items():
        verdict = "PASS" if v["p99_ms"] <= 100 and not v["failures"] else "FAIL"
        print(
            f"      {name:38} sent {v['sent_per_s']:6.1f}/s  answered {v['answered_per_s']:6.1f}/s"
            f"  p50 {v['p50_ms']:7.1f} ms  "
            f"p99 {v['p99_ms']:7.1f} ms  failed {v['failures']}  {verdict}"
        )
        for error in v.get("errors", []):
            print(f"        {error}")


def cli() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--file-mib", type=int, default=1024)
    parser.add_argument("--quick", action="store_true", help="4 cases and a 64 MiB file")
    parser.add_argument(
        "--only-verification", action="store_true", help="part (d) alone (after one case)"
    )
    parser.add_argument(
        "--only-pages", action="store_true", help="part (e) alone: pages over 10,000 cases"
    )
    parser.add_argument(
        "--only-export",
        action="store_true",
        help=f"the cases CSV of {EXPORT_CASES:,} cases: the API's RSS growth while it streams",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the run's directory (data, logs); say where"
    )
    args = parser.parse_args()
    # A SIGTERM (a CI job stopped, ``timeout``) unwinds like Ctrl-C: the servers stop and
    # the run's directory goes, instead of the process dying with both left behind.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if args.quick:
        args.cases, args.file_mib = 4, 64
    r = asyncio.run(main(args))
    if args.only_pages:
        print("(e) pages over 10,000 cases, one API process (p95 target < 150 ms):")
        print_pages(r["pages"])
        return
    if args.only_export:
        e = r["export"]
        print(
            f"(g) cases CSV, {e['rows']:,} rows, {e['mib']} MiB in {e['seconds']} s: "
            f"API RSS growth {e['rss_growth_mib']} MiB"
        )
        return
    if args.only_verification:
        print("(d) public verification, one API process, 100 requests/s for 10 s each:")
        print_verification(r["verification_load"])
        return
    print(
        "(c) credentials issued and verified, against Digital Bazaar's JS and raw Ed25519 …",
        flush=True,
    )
    c = asyncio.run(bench_credentials())
    r.update({f"credentials_{k}": v for k, v in c.items()})
    js_ratio, raw_ratio = c["ratio_to_js"], c["ratio_to_raw_sign_verify"]
    ok_js = js_ratio is not None and js_ratio >= 1.0
    ok_raw = raw_ratio is not None and raw_ratio >= 0.5
    ok_ratio, ok_rss = r["upload_ratio"] >= 0.6, r["api_rss_growth_mib"] <= 64
    print(f"""
vnfil benchmark ({time.strftime("%Y-%m-%d %H:%M")}, {os.cpu_count()} cores)
(a) cases completed per minute, {r["cases"]} concurrent:
      through the API      {r["api_cases_per_min"]:8.1f}
      bare workflow        {r["bare_cases_per_min"]:8.1f}   (same updates, no-op activities)
      ratio API/bare       {r["cases_ratio"]:8.3f}
(b) evidence upload, one {r["file_mib"]} MiB file:
      through the API      {r["upload_api_mb_s"]:8.1f} MB/s
      direct put_object    {r["upload_direct_mb_s"]:8.1f} MB/s
      ratio API/direct     {r["upload_ratio"]:8.3f}   target >= 0.6   {"PASS" if ok_ratio else "FAIL"}
      API RSS growth       {r["api_rss_growth_mib"]:8.1f} MiB  target <= 64  {"PASS" if ok_rss else "FAIL"}
(c) credentials, one core:
      issue + verify       {c["issue_verify_per_s"]:8.1f} /s  (build; sign eddsa-rdfc-2022; verify: malformed, signature, issuer, expiry, status, accreditation)
      Digital Bazaar (JS)  {c["js_issue_verify_per_s"] or 0:8.1f} /s  (vc.issue + vc.verifyCredential)
      raw Ed25519 sign     {c["raw_signs_per_s"]:8.1f} /s
      raw Ed25519 verify   {c["raw_verifies_per_s"]:8.1f} /s
      ratio to JS          {js_ratio or 0:8.3f}   target >= 1.0   {"PASS" if ok_js else "FAIL"}
      ratio to sign+verify {raw_ratio:8.4f}   target >= 0.5   {"PASS" if ok_raw else "FAIL"} (two RDFC-1.0 per proof)
      RDFC-1.0 alone       {c["rdfc_alone_us"]:8.1f} µs per canonicalisation of {c["quads"]} quads (JSON-LD parse before it {c["jsonld_parse_us"]:.1f} µs)
      ceiling, RDFC alone  {c["ceiling_ratio_rdfc_alone"]:8.3f}   (the ratio to sign+verify if nothing but RDFC-1.0 cost anything)
(d) public verification, one API process, 100 requests/s for 10 s each (p99 target <= 100 ms):""")
    print_verification(r["verification_load"])
    print("(e) pages over 10,000 cases, one API process (p95 target < 150 ms):")
    print_pages(r["pages"])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(r, indent=2))


if __name__ == "__main__":
    cli()
