"""(e) Pages with a centre's worth of cases: 10,000 cases in the database, each page type
rendered again and again through the real API process, p50/p95 per page (goal: p95 under
150 ms; the CSV is an export, timed but not a page). Part of ``python -m bench.run``, or
alone with ``--only-pages``: the stack, one case through the workflow to its credential
and one left open (their pages read the workflow), then 10,000 more cases written
straight into the database (the lists read the database)."""

from __future__ import annotations

import random
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx

from vnfil.accounts.models import User
from vnfil.accounts.schemas import Role
from vnfil.cases.models import Case, CaseAssignment
from vnfil.platform.db import make_engine, make_session_factory, utcnow
from vnfil.platform.settings import Settings

CASES = 10_000
CANDIDATES = 2_000
STAGES = ["identification", "documentation", "assessment", "certification", "completed"]
FIRST = ["Anna", "Piotr", "Zofia", "Jan", "Ola", "Marek", "Ewa", "Tomasz", "Iga", "Adam"]
LAST = ["Nowak", "Kowalska", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowski", "Zielińska"]


async def fill(settings: Settings, demo: dict[str, Any], cases: int = CASES) -> None:
    """``cases`` cases of the demo centre, by ``CANDIDATES`` candidates, at every stage,
    half with two of the demo assessors on the panel."""
    rng = random.Random(7)
    engine = make_engine(settings)
    try:
        async with make_session_factory(engine).begin() as session:
            people = [
                User(
                    id=str(uuid.uuid4()),
                    name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    email=f"bench-{i}@candidates.example",
                    role=Role.candidate.value,
                    token_hash=uuid.uuid4().hex + uuid.uuid4().hex,
                )
                for i in range(CANDIDATES)
            ]
            session.add_all(people)
            await session.flush()
            now = utcnow()
            assessors = [demo["users"]["assessor1"], demo["users"]["assessor2"]]
            for i in range(cases):
                stage = STAGES[i % len(STAGES)]
                case_id = str(uuid.uuid4())
                session.add(
                    Case(
                        id=case_id,
                        workflow_id=f"case-{case_id}",
                        centre_id=demo["centre_id"],
                        standard_id=demo["standards"]["digital-collaboration"],
                        # every 2,000th is the demo candidate's: a dashboard of 5
                        candidate_id=people[i % CANDIDATES].id
                        if i % CANDIDATES
                        else demo["users"]["candidate"],
                        stage=stage,
                        status="completed" if stage == "completed" else "open",
                        deadline=now + timedelta(days=rng.randint(-10, 60)),
                        result="full" if stage in ("certification", "completed") else None,
                        created_at=now - timedelta(minutes=cases - i),
                    )
                )
                if i % 2:
                    for a in assessors:
                        session.add(CaseAssignment(case_id=case_id, user_id=a, role="assessor"))
                if i % 1000 == 999:
                    await session.flush()
    finally:
        await engine.dispose()


async def measure(
    base: str, demo: dict[str, Any], case_id: str, open_case_id: str, rounds: int = 60
) -> dict[str, dict[str, float]]:
    """Each page ``rounds`` times, one request at a time: p50 and p95 in ms."""
    pages = {
        "centre dashboard": ("admin", "/app"),
        "centre dashboard, overdue filter": ("admin", "/app?state=open&overdue=true"),
        "centre dashboard, search": ("admin", "/app?q=kowalska"),
        "cases CSV (10,000 rows; an export)": ("admin", "/app/cases.csv"),
        "assessor dashboard": ("assessor1", "/app"),
        "candidate dashboard": ("candidate", "/app"),
        "closed case page (centre)": ("admin", f"/app/cases/{case_id}"),
        "closed case page (assessor)": ("assessor1", f"/app/cases/{case_id}"),
        "open case page (centre)": ("admin", f"/app/cases/{open_case_id}"),
        "issuer page": ("issuer", "/app"),
        "operator page": ("operator", "/app"),
        "public verification page": (None, None),
    }
    out: dict[str, dict[str, float]] = {}
    browsers: dict[str | None, httpx.AsyncClient] = {}

    async def browser(who: str | None) -> httpx.AsyncClient:
        """A browser signed in as ``who`` (pages read the session cookie, not a token)."""
        if who not in browsers:
            http = httpx.AsyncClient(base_url=base, timeout=60)
            if who:
                r = await http.post(
                    "/auth/login", json={"email": demo["emails"][who], "password": demo["password"]}
                )
                assert r.status_code == 200, (who, r.text)
            browsers[who] = http
        return browsers[who]

    try:
        issuer = await browser("issuer")
        listed = (await issuer.get("/credentials?limit=1")).json()
        for name, (who, path) in pages.items():
            if path is None:
                path = f"/credentials/{listed[0]['id']}/verification"
            http = await browser(who)
            headers = {"accept": "text/html"}
            first = await http.get(path, headers=headers)
            assert first.status_code == 200, (name, first.status_code, first.text[:200])
            took = []
            for _ in range(rounds):
                started = time.perf_counter()
                r = await http.get(path, headers=headers)
                took.append((time.perf_counter() - started) * 1000)
                assert r.status_code == 200
            took.sort()
            out[name] = {
                "p50_ms": round(took[len(took) // 2], 1),
                "p95_ms": round(took[int(len(took) * 0.95) - 1], 1),
            }
    finally:
        for http in browsers.values():
            await http.aclose()
    return out
