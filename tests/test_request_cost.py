"""What a request costs the database before its own work: the caller, in one query."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import delete, event, update

from api.callers import CallerCache, forget_every_caller
from tests.factories import make_world, new_case, ok
from tests.test_pages import PASSWORD, _signed_in
from vnfil.accounts.models import Notification, User

WHO = ("token_hash", "web_sessions")
# How the membership a caller acts in used to be fetched, in a query of its own.
ALONE = ("WHERE memberships.id = ", "memberships.role = ?", "memberships.role = %(")


def about_caller(seen: list[str]) -> list[str]:
    return [s for s in seen if any(w in s for w in WHO) or any(w in s for w in ALONE)]


@contextmanager
def statements_of(stack: Any) -> Iterator[list[str]]:
    """The SQL the API process sends while the block runs."""
    app = stack.http._transport.app
    engine = app.state.sessions.kw["bind"].sync_engine
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_the_caller_is_found_in_one_query_then_remembered(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    membership = ok(await w.http.get("/me", headers=w.admin.auth))["membership_id"]
    for headers in (w.admin.auth, {**w.admin.auth, "X-Vnfil-Membership": membership}):
        forget_every_caller()
        with statements_of(stack) as seen:
            ok(await w.http.get(run.url, headers=headers))
        assert len(about_caller(seen)) == 1, about_caller(seen)
        # Asked again within the cache's seconds: the database sees only the case read.
        with statements_of(stack) as seen:
            ok(await w.http.get(run.url, headers=headers))
        assert about_caller(seen) == [] and len(seen) == 1, seen
    browser = await _signed_in(stack, w, w.admin)
    forget_every_caller()
    with statements_of(stack) as seen:
        page = await browser.get(f"/app/cases/{run.case_id}")
    # The page's forms still carry the session's CSRF token, read with the session.
    token = re.search(r'<meta name="csrf-token" content="([^"]*)">', page.text)
    assert page.status_code == 200 and token and len(token.group(1)) >= 32
    assert len(about_caller(seen)) == 1, about_caller(seen)
    # Still refused as before: an unknown token, another's membership.
    r = await w.http.get(run.url, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["detail"] == "unknown or revoked token"
    other = await make_world(stack)
    theirs = ok(await w.http.get("/me", headers=other.admin.auth))["membership_id"]
    r = await w.http.get(run.url, headers={**w.admin.auth, "X-Vnfil-Membership": theirs})
    assert r.status_code == 403 and r.json()["detail"] == f"membership {theirs} is not one of yours"


async def test_a_remembered_caller_is_forgotten_by_the_change_that_revokes_it(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    ok(await w.http.get(run.url, headers=w.admin.auth))  # remembered now
    browser = await _signed_in(stack, w, w.admin)  # gives the admin a password
    ok(await w.http.get(run.url, headers=w.admin.auth))  # remembered again
    # A new token: the old one is refused on the very next request.
    minted = await w.http.post("/me/token", json={"password": PASSWORD}, headers=w.admin.auth)
    fresh = ok(minted, 201)["token"]
    r = await w.http.get(run.url, headers=w.admin.auth)
    assert r.status_code == 401 and r.json()["detail"] == "unknown or revoked token"
    ok(await w.http.get(run.url, headers={"Authorization": f"Bearer {fresh}"}))
    # Signing out ends the browser's session at once, remembered or not.
    assert (await browser.get("/app")).status_code == 200
    page = await browser.get("/app")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert csrf
    out = await browser.post("/auth/logout", headers={"X-CSRF-Token": csrf[1]})
    assert out.status_code == 204
    assert (await browser.get("/app")).status_code == 303  # to the sign-in page
    # A change written by any session of this process (here the test's own) is seen
    # at once: the person's name on a caller already remembered, then their token.
    assert ok(await w.http.get("/me", headers=run.candidate.auth))["name"] != "Renamed Person"
    async with stack.sessions.begin() as session:
        await session.execute(
            update(User).where(User.id == run.candidate.id).values(name="Renamed Person")
        )
    assert ok(await w.http.get("/me", headers=run.candidate.auth))["name"] == "Renamed Person"
    async with stack.sessions.begin() as session:
        await session.execute(
            update(User).where(User.id == run.candidate.id).values(token_hash="revoked")
        )
    r = await w.http.get(run.url, headers=run.candidate.auth)
    assert r.status_code == 401


def test_an_answer_read_before_a_change_is_not_kept_after_it() -> None:
    cache = CallerCache(seconds=5)
    seen_at = cache.generation
    forget_every_caller()  # a change committed while the answer was being read
    cache.put(("bearer", "digest", ""), "stale", seen_at)
    assert cache.get(("bearer", "digest", "")) is None
    cache.put(("bearer", "digest", ""), "fresh", cache.generation)
    assert cache.get(("bearer", "digest", "")) == "fresh"
    assert CallerCache(seconds=0).get(("x",)) is None  # 0: never remembered


async def test_the_unread_badge_counts_to_99_then_says_more(stack) -> None:
    w = await make_world(stack)
    browser = await _signed_in(stack, w, w.admin)
    async with stack.sessions.begin() as session:
        session.add_all(
            Notification(
                id=f"bulk-{w.admin.id}-{i}",
                recipient_id=w.admin.id,
                template="deadline-reminder",
                subject="s",
                body="b",
            )
            for i in range(120)
        )
    assert re.search(r'id="unread">99\+<', (await browser.get("/app")).text)
    async with stack.sessions.begin() as session:
        await session.execute(
            delete(Notification).where(Notification.id.startswith(f"bulk-{w.admin.id}-1"))
        )  # 31 of them (1, 10-19, 100-119): 89 left
    assert re.search(r'id="unread">89<', (await browser.get("/app")).text)


async def test_the_case_read_is_documented_as_every_other_case_route(stack) -> None:
    """``GET /cases/{id}`` reads its caller without FastAPI's dependencies (its cost):
    the API document still says it takes a bearer token and answers a CaseRead."""
    doc = ok(await stack.http.get("/openapi.json"))
    item = doc["paths"]["/cases/{case_id}"]["get"]
    other = doc["paths"]["/cases/{case_id}/status"]["get"]
    assert item["security"] == other["security"] == [{"HTTPBearer": []}]
    assert "HTTPBearer" in doc["components"]["securitySchemes"]
    answer = item["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["$ref"] == "#/components/schemas/CaseRead"
    assert [(p["name"], p["in"]) for p in item["parameters"]] == [("case_id", "path")]
