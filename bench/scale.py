"""`make bench-scale`: what a million cases cost each endpoint (issue 14, "national scale").

    python -m bench.scale [--db postgresql|sqlite] [--sizes 100,10000,1000000]
                          [--only NAMES] [--reps 30] [--budget 20]

The real stack (bench.stack: Temporal dev server, SeaweedFS, the worker, the API under
uvicorn as production runs it) on PostgreSQL (127.0.0.1:5432/test, a schema of its own,
``VNFIL_BENCH_PG`` to change) or SQLite. One case of each kind goes through the real API
and workflow (bench.real_cases); then the database is grown to each size in turn by
copying those cases' rows set-based (bench.scale_seed: the mix of closed and open cases,
audit chains, events, deliveries, notifications, stage records, evidence, panels,
credentials with status-list slots, centres for the registry). At each size, every
endpoint is asked one request at a time (after a warm-up), ``--reps`` times or for
``--budget`` seconds (at least 3 unless one request takes longer than the budget), and
the median kept:

- item reads: a case, its stage records and evidence, a credential, a status list, a
  centre in the registry, the case page (reads the workflow);
- each list's first page and a deep page (90 % of the way down): the deep page follows
  the list's cursor when the answer carries one (``Link: <…>; rel="next"``, or
  ``X-Next-Cursor`` sent back as ``?cursor=``), up to ``--max-hops`` pages of 500, else
  ``?offset=`` when the endpoint takes one (read from /openapi.json), else none;
  the events feed's cursor (``after``) is set to 90 % of the feed;
- the centre's figures, the centre admin's dashboard (GET /app) and its last page;
- the cases CSV, with the API process's RSS growth while it is made;
- public verification (POST /verify of the real credential, its verification page), the
  audit check of a real case (its chain holds), and issuing a credential: the issuance
  activity's own code (``activities.cases.sign_and_store``: status slot, build, sign,
  S3, row) with the input the real certification's activity got, rolled back each time;
  and the status-slot allocation alone.

It prints, for each, the milliseconds at each size, the ratio largest ÷ smallest, the goal
and pass/fail (item reads and list pages ≤ 1.2, figures and dashboards ≤ 2, the CSV's
RSS growth within 16 MiB of the smallest size's, the admin dashboard under 300 ms at
1,000,000 cases on PostgreSQL); then the throughput of GET /cases/{id} through the API
(bearer token) ÷ a bare FastAPI app's one indexed SELECT on the same database
(bench.bare_api; goal ≥ 0.8). Results go to bench/results/scale-<db>.json.
Everything the run made (temporary folder, S3 and Temporal data, the PostgreSQL schema)
is removed on exit, also on failure or interruption.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from activities.cases import sign_and_store
from bench.real_cases import run_real_cases
from bench.run import RssPeak
from bench.scale_seed import MIX, Seeder, table_counts
from bench.stack import Stack, stack, uvicorn_argv
from vnfil.accounts.models import Centre
from vnfil.cases.models import Case
from vnfil.credentials.keys import active_key
from vnfil.credentials.schemas import CertificationInput, CredentialInput
from vnfil.credentials.status import allocate
from vnfil.evidence.store import EvidenceStore
from vnfil.platform.db import make_engine, make_session_factory, utcnow
from vnfil.platform.embedded import Service, free_port, http_ok, wait_for

MiB = 1024 * 1024
RESULTS = Path(__file__).parent / "results"
ITEM, LIST, FIGURES, EXPORT = 1.2, 1.2, 2.0, None
DASHBOARD_MS = 300.0
DASHBOARD_AT = 1_000_000
CSV_RSS_SLACK_MIB = 16.0
HOP = 500  # rows per page while following a cursor down a list
# Rows per measured page, first and deep, at every size: a page of 50 credentials at a
# million against the 31 there are at a hundred would time the payload, not the paging.
PAGE = 10


@dataclass
class Probe:
    name: str
    group: str  # item, list, figures, export, issuance, reference
    goal: float | None
    run: Callable[[], Awaitable[None]]
    note: str = ""


@dataclass
class Timing:
    median_ms: float
    samples: int
    extra: dict[str, Any] = field(default_factory=dict)


async def timed(probes: list[Probe], reps: int, budget: float) -> dict[str, Timing]:
    """Each probe warmed up, then asked in rounds (one request of each probe per round,
    one at a time), so a burst of load on the machine falls on every probe alike; a probe
    leaves the rounds once it has ``reps`` requests, or has spent ``budget`` seconds with
    at least three (one that takes longer than a third of the budget, with fewer)."""
    took: dict[str, list[float]] = {p.name: [] for p in probes}
    for p in probes:
        t = time.perf_counter()
        await p.run()
        if time.perf_counter() - t < budget / 4:
            await p.run()
    spent = dict.fromkeys(took, 0.0)

    def more(p: Probe) -> bool:
        done = took[p.name]
        if len(done) >= reps:
            return False
        if spent[p.name] >= budget and (len(done) >= 3 or max(done) > budget / 3 * 1000):
            return False
        return True

    while active := [p for p in probes if more(p)]:
        for p in active:
            t = time.perf_counter()
            await p.run()
            ms = (time.perf_counter() - t) * 1000
            took[p.name].append(ms)
            spent[p.name] += ms / 1000
    return {name: Timing(round(statistics.median(v), 2), len(v)) for name, v in took.items() if v}


class Clients:
    """A bearer client per demo role (as an API client calls), and the centre admin signed
    in with a browser's cookie (the pages)."""

    def __init__(self, st: Stack) -> None:
        self.st = st
        self.http = httpx.AsyncClient(base_url=st.base, timeout=600)
        self.browser = httpx.AsyncClient(base_url=st.base, timeout=600)

    async def login(self) -> None:
        demo = self.st.demo
        r = await self.browser.post(
            "/auth/login", json={"email": demo["emails"]["admin"], "password": demo["password"]}
        )
        assert r.status_code == 200, r.text

    async def get(self, who: str | None, path: str, **kw: Any) -> httpx.Response:
        headers = kw.pop("headers", {})
        if who == "browser":
            r = await self.browser.get(path, headers={"accept": "text/html", **headers}, **kw)
        else:
            if who:
                headers["Authorization"] = f"Bearer {self.st.demo['tokens'][who]}"
            r = await self.http.get(path, headers=headers, **kw)
        if r.status_code != 200:
            raise RuntimeError(f"GET {path} as {who}: {r.status_code} {r.text[:300]}")
        return r

    async def close(self) -> None:
        await self.http.aclose()
        await self.browser.aclose()


@dataclass
class ListSpec:
    name: str
    who: str | None
    path: str  # the first page
    template: str  # the route, as /openapi.json names it
    count_sql: str  # how many rows the list holds (for the deep page's depth)
    events_feed: bool = False


class Bench:
    def __init__(self, st: Stack, args: argparse.Namespace) -> None:
        self.st = st
        self.args = args
        self.c = Clients(st)
        self.engine = make_engine(st.settings)
        self.sessions = make_session_factory(self.engine)
        self.store = EvidenceStore(st.settings)
        self.results: dict[str, dict[int, Timing]] = {}
        self.probes_meta: dict[str, Probe] = {}
        self.params: dict[str, set[str]] = {}
        self.deep_notes: dict[str, dict[int, str]] = {}

    async def setup(self) -> None:
        st = self.st
        print("one real case of each kind through the API and the workflow …", flush=True)
        started = time.perf_counter()
        self.cases, self.sub_id = await run_real_cases(
            st.base, st.demo, st.settings, st.receiver_url
        )
        self.real_seconds = time.perf_counter() - started
        print(f"    {len(self.cases)} cases in {self.real_seconds:.1f} s", flush=True)
        await self.c.login()
        self.case_id = self.cases["certified"]["id"]
        cred = (await self.c.get("admin", "/credentials?limit=1")).json()
        cred = [c for c in cred if c["case_id"] == self.case_id] or cred
        self.credential = (await self.c.get("issuer", f"/credentials/{cred[0]['id']}")).json()
        self.status_url = self.credential["document"]["credentialStatus"]["statusListCredential"]
        spec = (await self.c.get(None, "/openapi.json")).json()
        self.params = {
            path: {p["name"] for op in ops.values() for p in op.get("parameters", [])}
            for path, ops in spec["paths"].items()
        }
        self.issue_input, self.centre = await self._issuance_input()
        self.seeder = Seeder(st.settings, {k: v["id"] for k, v in self.cases.items()}, log=print)

    async def _issuance_input(self) -> tuple[CredentialInput, dict[str, Any]]:
        """What the real certification's issuance activity was given (from the workflow's
        history), and the centre as the activity passes it."""
        client = await Client.connect(
            self.st.settings.temporal_address, data_converter=pydantic_data_converter
        )
        history = await client.get_workflow_handle(f"case-{self.case_id}").fetch_history()
        conv = pydantic_data_converter.payload_converter
        for e in history.events:
            if not e.HasField("activity_task_scheduled_event_attributes"):
                continue
            a = e.activity_task_scheduled_event_attributes
            payloads = list(a.input.payloads)
            if a.activity_type.name == "issue_credential":
                inp = conv.from_payloads(payloads, [CredentialInput])[0]
                break
            if a.activity_type.name == "issue_credentials":
                inp = conv.from_payloads(payloads, [CertificationInput])[0].credential
                break
        else:
            raise RuntimeError("the certified case's history has no issuance activity")
        async with self.sessions() as session:
            case = await session.get(Case, self.case_id)
            assert case is not None
            centre = await session.get(Centre, case.centre_id)
            assert centre is not None
            return inp, {
                "id": centre.id,
                "name": centre.name,
                "country": centre.country,
                "region": centre.region,
            }

    # --- the probes ---------------------------------------------------------------------

    def _get(
        self, who: str | None, path: str, check: Callable[[httpx.Response], None] | None = None
    ) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            r = await self.c.get(who, path)
            if check:
                check(r)

        return run

    def lists(self) -> list[ListSpec]:
        demo = self.st.demo
        return [
            ListSpec(
                "cases (centre admin)",
                "admin",
                "/cases",
                "/cases",
                f"SELECT count(*) FROM cases WHERE centre_id = '{demo['centre_id']}'",
            ),
            ListSpec(
                "credentials (issuer)",
                "issuer",
                "/credentials",
                "/credentials",
                f"SELECT count(*) FROM credentials WHERE awarding_body_id = '{demo['awarding_body_id']}'",
            ),
            ListSpec(
                "events feed (issuer)",
                "issuer",
                "/events",
                "/events",
                f"SELECT count(*) FROM events WHERE awarding_body_id = '{demo['awarding_body_id']}'",
                events_feed=True,
            ),
            ListSpec(
                "webhook deliveries (issuer)",
                "issuer",
                f"/webhooks/{self.sub_id}/deliveries",
                "/webhooks/{sub_id}/deliveries",
                f"SELECT count(*) FROM webhook_deliveries WHERE subscription_id = '{self.sub_id}'",
            ),
            ListSpec(
                "notifications (centre admin)",
                "admin",
                "/me/notifications",
                "/me/notifications",
                f"SELECT count(*) FROM notifications WHERE recipient_id = '{demo['users']['admin']}'",
            ),
            ListSpec(
                "registry: centres",
                None,
                "/registry/centres",
                "/registry/centres",
                "SELECT count(*) FROM centres",
            ),
            ListSpec(
                "registry: accreditations",
                None,
                "/accreditations",
                "/accreditations",
                "SELECT count(*) FROM accreditations",
            ),
        ]

    async def _deep_path(self, spec: ListSpec, size: int) -> tuple[str | None, str]:
        """A page 90 % of the way down the list, and how it was reached."""
        with self.seeder.engine.connect() as conn:
            total = int(conn.scalar(text(spec.count_sql)) or 0)
        depth = max(0, min(int(total * 0.9), total - PAGE))  # a full page follows it
        sep = "&" if "?" in spec.path else "?"
        if spec.events_feed:
            with self.seeder.engine.connect() as conn:
                after = conn.scalar(
                    text(
                        f"SELECT seq FROM events WHERE awarding_body_id = "
                        f"'{self.st.demo['awarding_body_id']}' ORDER BY seq LIMIT 1 OFFSET {max(0, depth - 1)}"
                    )
                )
            return f"{spec.path}{sep}after={after or 0}", f"after= at row {depth:,} of {total:,}"
        # Pages small enough that even a short list has a deep page, large enough that a
        # long one is walked to 90 % in at most --max-hops requests.
        hop = max(1, min(HOP, -(-depth // self.args.max_hops), depth // 10 or 1))
        first = await self.c.get(spec.who, f"{spec.path}{sep}limit={hop}")
        nxt = _next_url(first, spec.path)
        if nxt is not None:
            hops, reached = 1, hop
            while reached < depth and hops < self.args.max_hops:
                r = await self.c.get(spec.who, str(httpx.URL(nxt).copy_set_param("limit", hop)))
                step = _next_url(r, spec.path)
                if step is None:
                    break
                nxt, hops, reached = step, hops + 1, reached + hop
            url = httpx.URL(nxt).copy_remove_param("limit")
            path = url.raw_path.decode()
            return path, f"cursor, {hops} hops: row {reached:,} of {total:,}"
        if "offset" in self.params.get(spec.template, set()):
            return f"{spec.path}{sep}offset={depth}", f"offset={depth:,} of {total:,}"
        return None, f"no deep page: neither cursor nor offset ({total:,} rows)"

    async def probes(self, size: int) -> list[Probe]:
        demo, case, cred = self.st.demo, self.case_id, self.credential
        open_case = self.cases["open-assessment"]["id"]
        out = [
            Probe(
                "/health (no database: the machine's noise)",
                "reference",
                None,
                self._get(None, "/health"),
            ),
            Probe("GET /cases/{id}", "item", ITEM, self._get("admin", f"/cases/{case}")),
            Probe(
                "GET /cases/{id}/stage-records",
                "item",
                ITEM,
                self._get("admin", f"/cases/{case}/stage-records"),
            ),
            Probe(
                "GET /cases/{id}/evidence",
                "item",
                ITEM,
                self._get("admin", f"/cases/{case}/evidence"),
            ),
            Probe(
                "GET /credentials/{id}",
                "item",
                ITEM,
                self._get("issuer", f"/credentials/{cred['id']}"),
            ),
            Probe(
                "GET /status/{list}",
                "item",
                ITEM,
                self._get(None, httpx.URL(self.status_url).raw_path.decode()),
            ),
            Probe(
                "GET /centres/{id} (registry)",
                "item",
                ITEM,
                self._get(None, f"/centres/{demo['centre_id']}"),
            ),
            Probe(
                "case page /app/cases/{id} (workflow)",
                "item",
                ITEM,
                self._get("browser", f"/app/cases/{open_case}"),
            ),
        ]
        for spec in self.lists():
            out.append(
                Probe(
                    f"{spec.name}: first page",
                    "list",
                    LIST,
                    self._get(spec.who, _with_limit(spec.path, PAGE)),
                )
            )
            if not _wanted(Probe(f"{spec.name}: deep page", "list", LIST, _noop), self.args.only):
                continue
            deep, how = await self._deep_path(spec, size)
            self.deep_notes.setdefault(spec.name, {})[size] = how
            if deep is not None:
                out.append(
                    Probe(
                        f"{spec.name}: deep page",
                        "list",
                        LIST,
                        self._get(spec.who, _with_limit(deep, PAGE)),
                        note=how,
                    )
                )
        with self.seeder.engine.connect() as conn:
            visible = int(
                conn.scalar(
                    text(f"SELECT count(*) FROM cases WHERE centre_id = '{demo['centre_id']}'")
                )
                or 0
            )
        last_page = max(1, min(100_000, -(-visible // 50)))

        def verified(r: httpx.Response) -> None:
            assert r.json()["verified"] is True, r.text[:300]

        def chain_holds(r: httpx.Response) -> None:
            body = r.json()
            assert body["valid"] is True and body["entries"], r.text[:300]

        async def verify() -> None:
            r = await self.c.http.post("/verify", json=cred["document"])
            assert r.status_code == 200, r.text[:300]
            verified(r)

        out += [
            Probe(
                "GET /centres/{id}/figures",
                "figures",
                FIGURES,
                self._get("admin", f"/centres/{demo['centre_id']}/figures"),
            ),
            Probe("admin dashboard GET /app", "figures", FIGURES, self._get("browser", "/app")),
            Probe(
                "admin dashboard, last page",
                "figures",
                FIGURES,
                self._get("browser", f"/app?page={last_page}"),
                note=f"page {last_page}",
            ),
            Probe(
                "cases CSV GET /app/cases.csv",
                "export",
                EXPORT,
                self._get("browser", "/app/cases.csv"),
            ),
            Probe("POST /verify (real credential)", "item", ITEM, verify),
            Probe(
                "verification page",
                "item",
                ITEM,
                self._get(None, f"/credentials/{cred['id']}/verification"),
            ),
            Probe(
                "audit check GET /cases/{id}/audit",
                "item",
                ITEM,
                self._get("admin", f"/cases/{case}/audit", chain_holds),
            ),
            Probe("issue a credential (sign_and_store)", "issuance", ITEM, self._issue),
            Probe("status slot (allocate)", "issuance", ITEM, self._allocate),
        ]
        return out

    async def _csv_memory(self) -> float:
        """The RSS growth of a fresh API process while it makes the CSV once: in the
        measured process, earlier requests (the figures) have already grown the heap the
        export would reuse, and would hide what it holds."""
        st = self.st
        port = free_port()
        api = Service(
            "api-csv",
            uvicorn_argv("api.main:app", port),
            st.root / "api-csv.log",
            st.settings.as_env(),
        ).start()
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(lambda: http_ok(f"{base}/health"), "API (for the CSV)", 90, api)
            assert api.proc is not None
            async with httpx.AsyncClient(base_url=base, timeout=3600) as browser:
                browser.cookies = self.c.browser.cookies
                r = await browser.get(
                    "/app", params={"q": "no such person"}
                )  # the page's own code loaded
                assert r.status_code == 200, r.text[:200]
                sampler = RssPeak(api.proc.pid)
                sampler.start()
                try:
                    r = await browser.get("/app/cases.csv")
                finally:
                    sampler.stop.set()
                    sampler.join()
                assert r.status_code == 200, r.text[:200]
            return round((sampler.peak - sampler.base) / MiB, 1)
        finally:
            api.stop()

    async def _issue(self) -> None:
        """The issuance activity's own path, on a new credential id; rolled back."""
        inp = self.issue_input.model_copy(
            update={"credential_id": str(uuid.uuid4()), "issued_at": utcnow()}
        )
        async with self.sessions() as session:
            await session.begin()
            await sign_and_store(session, self.st.settings, self.store, inp, self.centre)
            await session.flush()
            await session.rollback()

    async def _allocate(self) -> None:
        async with self.sessions() as session:
            key = await active_key(
                session, self.st.settings.secret_key, self.issue_input.standard.issuer.id
            )
            await allocate(session, key, self.st.settings.public_base_url, utcnow())
            await session.rollback()

    # --- a size -------------------------------------------------------------------------

    async def settle(self, most_s: float = 600.0) -> None:
        """Before a size is timed: PostgreSQL's autovacuum done with the rows just seeded
        and the machine's load down, or a size's times carry them (a run at 1,000,000
        once had its noise reference 1.21x higher than at 100)."""
        started = time.perf_counter()
        quiet = 0
        while quiet < 3 and time.perf_counter() - started < most_s:
            workers = 0
            if self.st.pg_dsn():
                async with self.sessions() as session:
                    workers = (
                        await session.scalar(
                            text(
                                "SELECT count(*) FROM pg_stat_activity"
                                " WHERE backend_type = 'autovacuum worker'"
                            )
                        )
                        or 0
                    )
            busy = workers > 0 or os.getloadavg()[0] > (os.cpu_count() or 2) * 0.6
            quiet = 0 if busy else quiet + 1
            await asyncio.sleep(5)
        waited = time.perf_counter() - started
        state = "settled" if quiet >= 3 else "still busy, timing anyway"
        print(f"   waited {waited:.0f} s for autovacuum and load ({state})", flush=True)

    async def at_size(self, size: int) -> dict[str, Any]:
        print(f"\n== {size:,} cases: seeding …", flush=True)
        started = time.perf_counter()
        seeded = await self.seeder.grow(size, self.sessions)
        seconds = time.perf_counter() - started
        print(f"   seeded to {seeded.cases:,} cases in {seconds:.1f} s", flush=True)
        probes = [p for p in await self.probes(size) if _wanted(p, self.args.only)]
        for p in probes:
            self.probes_meta[p.name] = p
        await self.settle()
        load_before = os.getloadavg()[0]
        timings = await timed(probes, self.args.reps, self.args.budget)
        for p in probes:
            t = timings[p.name]
            if p.group == "export":
                t.extra["rss_growth_mib"] = await self._csv_memory()
            self.results.setdefault(p.name, {})[size] = t
            more = f"  RSS +{t.extra['rss_growth_mib']} MiB" if t.extra else ""
            note = f"  ({p.note})" if p.note else ""
            print(f"   {p.name:44} {t.median_ms:10.1f} ms  n={t.samples}{more}{note}", flush=True)
        load = (load_before, os.getloadavg()[0])
        print(f"   (the machine's load average: {load[0]:.1f} before, {load[1]:.1f} after)")
        return {
            "cases": seeded.cases,
            "seconds": round(seconds, 1),
            "steps_s": {k: round(v, 2) for k, v in seeded.seconds.items()},
            "rows_added": seeded.rows,
            "table_rows": table_counts(self.seeder.engine),
            "load_average": [round(x, 2) for x in load],
        }

    async def close(self) -> None:
        await self.c.close()
        self.seeder.dispose()
        await self.engine.dispose()


async def _noop() -> None:
    pass


def _with_limit(path: str, limit: int) -> str:
    return str(httpx.URL(path).copy_set_param("limit", limit))


def _next_url(r: httpx.Response, path: str) -> str | None:
    """The next page's address, if the answer carries a cursor."""
    link = r.links.get("next", {}).get("url")
    if link:  # the API's own address may name another host (public_base_url): keep the path
        return httpx.URL(link).raw_path.decode()
    cursor = r.headers.get("x-next-cursor")
    if cursor:
        return str(httpx.URL(path).copy_set_param("cursor", cursor))
    return None


def _wanted(p: Probe, only: list[str] | None) -> bool:
    if not only or p.group == "reference":  # the machine's noise is always shown
        return True
    name = p.name.lower()
    return any(o in name or o == p.group for o in only)


# --- throughput -----------------------------------------------------------------------------


def _drive(url: str, headers: list[str], seconds: float, concurrency: int) -> dict[str, Any]:
    """The load client in a process of its own."""
    argv = [sys.executable, "-m", "bench.bare_api", "load", url, "--seconds", str(seconds)]
    argv += ["--concurrency", str(concurrency)]
    for h in headers:
        argv += ["--header", h]
    out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=seconds + 120)
    return json.loads(out.stdout)


async def throughput(st: Stack, case_id: str, seconds: float, concurrency: int) -> dict[str, Any]:
    """GET /cases/{id} through the API (bearer) ÷ the bare app's one SELECT, alternately
    twice each; and the client's own ceiling (the bare app's /ping)."""
    port = free_port()
    bare = Service(
        "bare-api",
        uvicorn_argv("bench.bare_api:app", port),
        st.root / "bare.log",
        st.settings.as_env(),
    ).start()
    try:
        bare_base = f"http://127.0.0.1:{port}"
        wait_for(lambda: http_ok(f"{bare_base}/ping"), "bare API", 60, bare)
        auth = [f"Authorization: Bearer {st.demo['tokens']['admin']}"]
        api_url, bare_url = f"{st.base}/cases/{case_id}", f"{bare_base}/cases/{case_id}"
        runs: dict[str, list[dict[str, Any]]] = {"api": [], "bare": []}
        for _ in range(2):
            runs["bare"].append(await asyncio.to_thread(_drive, bare_url, [], seconds, concurrency))
            runs["api"].append(await asyncio.to_thread(_drive, api_url, auth, seconds, concurrency))
        ping = await asyncio.to_thread(_drive, f"{bare_base}/ping", [], seconds / 2, concurrency)
    finally:
        bare.stop()
    api_rps = statistics.mean(r["requests_per_s"] for r in runs["api"])
    bare_rps = statistics.mean(r["requests_per_s"] for r in runs["bare"])
    return {
        "seconds_each": seconds,
        "concurrency": concurrency,
        "api_rps": round(api_rps, 1),
        "bare_rps": round(bare_rps, 1),
        "ratio": round(api_rps / bare_rps, 3) if bare_rps else None,
        "client_ceiling_rps": ping["requests_per_s"],
        "runs": runs,
    }


# --- the report -----------------------------------------------------------------------------


def verdict(
    name: str, p: Probe, by_size: dict[int, Timing], sizes: list[int]
) -> tuple[float | None, str]:
    small, large = sizes[0], sizes[-1]
    if small not in by_size or large not in by_size or small == large:
        return None, "—"
    ratio = (
        by_size[large].median_ms / by_size[small].median_ms if by_size[small].median_ms else None
    )
    if p.group == "export":
        grow_small = by_size[small].extra.get("rss_growth_mib", 0.0)
        grow_large = by_size[large].extra.get("rss_growth_mib", 0.0)
        ok = grow_large <= grow_small + CSV_RSS_SLACK_MIB
        return ratio, "PASS" if ok else "FAIL"
    if p.goal is None or ratio is None:
        return ratio, "—"
    return ratio, "PASS" if ratio <= p.goal else "FAIL"


def report(bench: Bench, sizes: list[int], db: str) -> dict[str, Any]:
    done = [s for s in sizes if any(s in v for v in bench.results.values())]
    head = "".join(f"{s:>12,}" for s in done)
    print(
        f"\nvnfil at scale on {db} ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores), ms per request (median):"
    )
    print(f"{'endpoint':46}{head}   ratio   goal  verdict")
    rows: dict[str, Any] = {}
    for name, by_size in bench.results.items():
        p = bench.probes_meta[name]
        ratio, v = verdict(name, p, by_size, done)
        cells = "".join(
            f"{by_size[s].median_ms:12.1f}" if s in by_size else f"{'—':>12}" for s in done
        )
        goal = "mem" if p.group == "export" else (f"≤{p.goal:g}" if p.goal else "—")
        print(
            f"{name:46}{cells}  {ratio:6.2f}  {goal:>5}  {v}"
            if ratio is not None
            else f"{name:46}{cells}  {'—':>6}  {goal:>5}  {v}"
        )
        rows[name] = {
            "group": p.group,
            "goal": p.goal,
            "ms": {s: t.median_ms for s, t in by_size.items()},
            "samples": {s: t.samples for s, t in by_size.items()},
            "ratio": round(ratio, 3) if ratio is not None else None,
            "verdict": v,
            **(
                {"rss_growth_mib": {s: t.extra.get("rss_growth_mib") for s, t in by_size.items()}}
                if p.group == "export"
                else {}
            ),
            **({"how": p.note} if p.note else {}),
        }
        if p.group == "export":
            growth = "  ".join(
                f"{s:,}: +{t.extra.get('rss_growth_mib')} MiB" for s, t in by_size.items()
            )
            print(
                f"{'  API RSS growth while exporting':46}{growth}   (goal: within {CSV_RSS_SLACK_MIB:g} MiB of the smallest size's)"
            )
    for name, notes in bench.deep_notes.items():
        missing = [f"{s:,}: {n}" for s, n in notes.items() if n.startswith("no deep page")]
        if missing:
            print(f"{name}: {missing[-1]}")
    dash = bench.results.get("admin dashboard GET /app", {})
    large = done[-1] if done else None
    out: dict[str, Any] = {"endpoints": rows}
    if large is not None and large in dash:
        ms = dash[large].median_ms
        if db == "postgresql" and large >= DASHBOARD_AT:
            print(
                f"admin dashboard at {large:,} cases on PostgreSQL: {ms:.1f} ms (goal < {DASHBOARD_MS:g} ms): {'PASS' if ms < DASHBOARD_MS else 'FAIL'}"
            )
        else:
            print(
                f"admin dashboard at {large:,} cases on {db}: {ms:.1f} ms (the < {DASHBOARD_MS:g} ms goal is for {DASHBOARD_AT:,} on PostgreSQL)"
            )
        out["dashboard_ms_at_largest"] = ms
    return out


async def main(args: argparse.Namespace) -> dict[str, Any]:
    sizes = sorted(args.sizes)
    out: dict[str, Any] = {
        "db": args.db,
        "sizes": sizes,
        "mix": {k: n for k, n, _ in MIX},
        "seeding": {},
    }
    async with stack(args.db) as st:
        bench = Bench(st, args)
        try:
            await bench.setup()
            out["real_cases_s"] = round(bench.real_seconds, 1)
            out["rows_per_case"] = {k: round(v, 2) for k, v in bench.seeder.mix_per_case().items()}
            print(
                "rows per case in the mix: "
                + ", ".join(f"{k} {v:.2f}" for k, v in out["rows_per_case"].items())
            )
            for size in sizes:
                out["seeding"][size] = await bench.at_size(size)
            out.update(report(bench, sizes, args.db))
            if not args.only or "throughput" in args.only:
                print(
                    f"\nthroughput of GET /cases/{{id}} at {sizes[-1]:,} cases, {args.concurrency} connections, {args.seconds:g} s each, twice …",
                    flush=True,
                )
                tp = await throughput(st, bench.case_id, args.seconds, args.concurrency)
                out["throughput"] = tp
                ok = tp["ratio"] is not None and tp["ratio"] >= 0.8
                print(f"   through the API (bearer)   {tp['api_rps']:8.1f} req/s")
                print(f"   bare FastAPI, one SELECT   {tp['bare_rps']:8.1f} req/s")
                print(
                    f"   ratio API/bare             {tp['ratio']:8.3f}   goal ≥ 0.8   {'PASS' if ok else 'FAIL'}"
                )
                print(
                    f"   (the client's own ceiling, bare /ping: {tp['client_ceiling_rps']:.1f} req/s)"
                )
        finally:
            await bench.close()
    return out


def _sizes(text_: str) -> list[int]:
    return [int(s.replace("_", "")) for s in text_.split(",") if s.strip()]


def cli() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=None,
        help="default: 100,10000,1000000 (PostgreSQL); 100,10000,100000 (SQLite)",
    )
    parser.add_argument(
        "--only",
        type=lambda s: [x.strip().lower() for x in s.split(",") if x.strip()],
        default=None,
        help="probes whose name holds one of these (or a group: item, list, figures, export, issuance; throughput)",
    )
    parser.add_argument(
        "--reps", type=int, default=30, help="requests per endpoint and size (median kept)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=20.0,
        help="seconds per endpoint and size, at most (≥ 3 requests)",
    )
    parser.add_argument(
        "--max-hops",
        type=int,
        default=2000,
        help="pages followed down a cursor to reach a deep page",
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="throughput: seconds per run")
    parser.add_argument("--concurrency", type=int, default=32, help="throughput: connections")
    args = parser.parse_args()
    if args.sizes is None:
        args.sizes = [100, 10_000, 1_000_000] if args.db == "postgresql" else [100, 10_000, 100_000]

    def _term(*_: Any) -> None:
        raise KeyboardInterrupt  # unwinds through every finally: the stack and schema go

    signal.signal(signal.SIGTERM, _term)
    started = time.perf_counter()
    r = asyncio.run(main(args))
    r["total_s"] = round(time.perf_counter() - started, 1)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"scale-{args.db}.json"
    path.write_text(json.dumps(r, indent=2, default=str))
    print(f"\n{r['total_s']:.0f} s in all; results in {path}")


if __name__ == "__main__":
    cli()
