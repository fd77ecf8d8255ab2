"""What a request costs the database before its own work: the caller, in one query."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import delete, event

from tests.factories import make_world, new_case, ok
from tests.test_pages import _signed_in
from vnfil.accounts.models import Notification

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


async def test_the_caller_is_found_in_one_query(stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    membership = ok(await w.http.get("/me", headers=w.admin.auth))["membership_id"]
    for headers in (w.admin.auth, {**w.admin.auth, "X-Vnfil-Membership": membership}):
        with statements_of(stack) as seen:
            ok(await w.http.get(run.url, headers=headers))
        assert len(about_caller(seen)) == 1, about_caller(seen)
    browser = await _signed_in(stack, w, w.admin)
    with statements_of(stack) as seen:
        page = await browser.get(f"/app/cases/{run.case_id}")
    # The page's forms still carry the session's CSRF token, read with the session.
    token = re.search(r'<meta name="csrf-token" content="([^"]*)">', page.text)
    assert page.status_code == 200 and token and len(token.group(1)) >= 32
    assert len(about_caller(seen)) == 1, about_caller(seen)
    # Still refused as before: a revoked token, another's membership.
    r = await w.http.get(run.url, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["detail"] == "unknown or revoked token"
    other = await make_world(stack)
    theirs = ok(await w.http.get("/me", headers=other.admin.auth))["membership_id"]
    r = await w.http.get(run.url, headers={**w.admin.auth, "X-Vnfil-Membership": theirs})
    assert r.status_code == 403 and r.json()["detail"] == f"membership {theirs} is not one of yours"


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
