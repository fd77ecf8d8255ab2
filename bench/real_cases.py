"""Real cases through the real API and workflow, one of each kind the scale benchmark
seeds: they are measured themselves (their audit chains, credentials and workflows are
real) and their rows are the templates the bulk is copied from (``bench.scale_seed``)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from vnfil.events.models import Event, WebhookDelivery
from vnfil.platform.db import make_engine, make_session_factory
from vnfil.platform.settings import Settings

PDF = b"%PDF-1.4\n" + b"0" * 4000 + b"\n%%EOF\n"
LOS = ["DC1", "DC2", "DC3", "DC4"]
STANDARD = "digital-collaboration"

# How far each kind goes: the steps of one_case in order, stopping after the named one.
STEPS = (
    "opened",
    "identified",
    "submitted",
    "assessed",
    "certified",
)
KINDS: dict[str, tuple[str, bool]] = {
    # kind: (last step, outcomes achieved)
    "certified": ("certified", True),
    "failed": ("assessed", False),  # not validated: the case completes without certification
    "withdrawn": ("identified", True),  # then withdrawn by the candidate
    "open-identification": ("opened", True),
    "open-documentation": ("identified", True),
    "open-assessment": ("submitted", True),
    "open-certification": ("assessed", True),
}


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


async def one_case(api: Api, demo: dict[str, Any], kind: str) -> dict[str, str]:
    """A case of ``kind`` through the API, as its people would take it; its id and its
    candidate's token."""
    last, achieved = KINDS[kind]
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
        json={"standard_id": demo["standards"][STANDARD], "centre_id": demo["centre_id"]},
    )
    out = {"id": case["id"], "token": ct}
    url = f"/cases/{case['id']}"

    if STEPS.index(last) < STEPS.index("identified"):
        return out
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
    await api.call("POST", f"{url}/identification", ct, json={"selected_lo_ids": LOS})
    if kind == "withdrawn":
        await api.call("POST", f"{url}/withdrawal", ct, json={"reason": "moving abroad"})
        return out
    if last == "identified":
        return out
    for part in (LOS[:2], LOS[2:]):
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
    if last == "submitted":
        return out
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
                "decisions": [
                    {"lo_id": lo, "achieved": achieved, "rationale": "bench"} for lo in LOS
                ]
            },
        )
    await api.call("POST", f"{url}/result-acceptance", ct)
    if last == "assessed":
        return out
    st = await api.call("POST", f"{url}/certification", t["admin"])
    assert st["stage"] == "completed", st
    return out


async def run_real_cases(
    base: str, demo: dict[str, Any], settings: Settings, receiver_url: str
) -> tuple[dict[str, dict[str, str]], str]:
    """The issuer subscribes to webhooks (deliveries are part of the mix), then one case
    of every kind, one after the other; waits until every event is delivered. Returns the
    cases by kind and the subscription's id."""
    engine = make_engine(settings)
    sessions = make_session_factory(engine)
    async with sessions() as session:  # the seed's own events (accreditations) go undelivered
        before = await session.scalar(select(func.count()).select_from(Event)) or 0
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        api = Api(http)
        sub = await api.call(
            "POST", "/webhooks", demo["tokens"]["issuer"], 201, json={"url": receiver_url}
        )
        cases = {kind: await one_case(api, demo, kind) for kind in KINDS}
    try:
        deadline = time.monotonic() + 120
        while True:
            async with sessions() as session:
                events = (
                    await session.scalar(select(func.count()).select_from(Event)) or 0
                ) - before
                delivered = await session.scalar(
                    select(func.count(func.distinct(WebhookDelivery.event_id))).where(
                        WebhookDelivery.ok.is_(True)
                    )
                )
            if delivered is not None and delivered >= events:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {delivered} of {events} events delivered in 120 s")
            await asyncio.sleep(0.5)
    finally:
        await engine.dispose()
    return cases, sub["id"]
