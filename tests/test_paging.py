"""Every list pages by a keyset cursor (``vnfil/platform/paging.py``): walked page by
page with the ``Link: <…>; rel="next"`` header, each list shows every row once, in its
order, rows with equal times included; a cursor that is malformed, changed or another
list's is refused by name (422, in Polish too), and ``?offset=`` with it; a cursor from
one tenant shows another tenant only their own rows. Each page is one range of an index
that matches the list's filters and order (no sort, however deep), on PostgreSQL and
SQLite: the plan of the very statement the route ran says so."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from api.deps import CASE_ORDER
from tests.conftest import Stack
from tests.factories import World, funder_staff, make_world, ok
from vnfil.accounts.models import AwardingBody, Centre, Invitation, Notification
from vnfil.accounts.schemas import Role
from vnfil.cases.models import Case
from vnfil.credentials.models import Credential
from vnfil.events.models import Event, WebhookDelivery, WebhookSubscription
from vnfil.funding.models import Cohort, Entitlement, FundingRequest, LedgerAccount, Programme
from vnfil.platform.db import as_utc, utcnow
from vnfil.platform.paging import Position
from vnfil.standards.models import Standard
from vnfil.standards.service import import_standard
from vnfil.trust.models import Accreditation

POLISH = {"Accept-Language": "pl-PL,pl;q=0.9"}


async def walk(
    http: httpx.AsyncClient, address: str, headers: dict[str, str], most: int = 50
) -> list[list[Any]]:
    """Every page of a list, following each page's ``Link rel="next"`` (at most ``most``
    pages: a list of the whole platform, shared by every test, gets more)."""
    pages: list[list[Any]] = []
    next_address: str | None = address
    while next_address:
        r = await http.get(next_address, headers=headers)
        pages.append(ok(r))
        # The two headers say the same, and only when another page follows.
        assert ("X-Next-Cursor" in r.headers) == ("next" in r.links), r.headers
        if "next" in r.links:
            assert r.links["next"]["url"].endswith("cursor=" + r.headers["X-Next-Cursor"])
        next_address = r.links.get("next", {}).get("url")
        assert len(pages) <= most, "a list that never ends"
    return pages


def flat(pages: list[list[Any]], key: str = "id") -> list[Any]:
    return [row[key] for page in pages for row in page]


def newest_first(rows: list[tuple[datetime, str]]) -> list[str]:
    """The ids in a list's order: newest first, equal times by id (descending too)."""
    return [i for _, i in sorted(rows, reverse=True)]


def times(n: int) -> list[datetime]:
    """``n`` times with repeats: three equal, then two equal, then one a minute apart."""
    now = utcnow().replace(microsecond=123456)
    pattern = [0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8]
    return [now - timedelta(minutes=pattern[i % len(pattern)] + 10 * (i // 12)) for i in range(n)]


async def candidate(w: World, name: str = "Zofia Gęślą-Jaźwińska") -> tuple[str, dict[str, str]]:
    person = await w.person(Role.candidate)
    return person.id, person.auth


def stored_case(w: World, candidate_id: str, at: datetime, **fields: Any) -> Case:
    case_id = str(uuid.uuid4())
    return Case(
        id=case_id,
        workflow_id=f"case-{case_id}",
        centre_id=w.centre_id,
        standard_id=w.standard_id,
        candidate_id=candidate_id,
        created_at=at,
        **({"stage": "documentation"} | fields),
    )


def stored_credential(w: World, body_id: str, case: Case, at: datetime) -> Credential:
    credential_id = str(uuid.uuid4())
    return Credential(
        id=credential_id,
        case_id=case.id,
        centre_id=case.centre_id,
        holder_id=case.candidate_id,
        standard_id=w.standard_id,
        awarding_body_id=body_id,
        object_key=f"credentials/{credential_id}.json",
        sha256="ab" * 32,
        document={"name": "A credential"},
        issued_at=at,
    )


async def body_of(w: World) -> str:
    async with w.sessions() as session:
        standard = await session.get(Standard, w.standard_id)
        assert standard is not None
        return standard.awarding_body_id


# --- cases and credentials: the large lists ----------------------------------------------


async def test_cases_and_credentials_walk_every_row_once_in_order(stack: Stack) -> None:
    w = await make_world(stack)
    body_id = await body_of(w)
    holder, holder_auth = await candidate(w)
    stages = ["documentation", "assessment"]
    async with w.sessions.begin() as session:
        cases = [stored_case(w, holder, at, stage=stages[i % 2]) for i, at in enumerate(times(11))]
        session.add_all(cases)
        await session.flush()
        creds = [stored_credential(w, body_id, c, c.created_at) for c in cases[:9]]
        session.add_all(creds)
    everything = newest_first([(c.created_at, c.id) for c in cases])
    assert flat(await walk(w.http, "/cases?limit=2", w.admin.auth)) == everything
    assert flat(await walk(w.http, "/cases?limit=3", holder_auth)) == everything
    # A filter keeps to its own rows, and its cursor keeps the filter.
    assessment = newest_first([(c.created_at, c.id) for c in cases if c.stage == "assessment"])
    walked = await walk(w.http, "/cases?stage=assessment&limit=2", w.admin.auth)
    assert flat(walked) == assessment and [len(p) for p in walked] == [2, 2, 1]
    # Credentials: the issuer's, the holder's and the centre's lists.
    issued = newest_first([(c.issued_at, c.id) for c in creds])
    for who in (w.issuer.auth, holder_auth, w.admin.auth):
        pages = await walk(w.http, "/credentials?limit=4", who)
        assert flat(pages) == issued and [len(p) for p in pages] == [4, 4, 1]
    # One row a page: the equal times are told apart by id, none lost or repeated.
    assert flat(await walk(w.http, "/cases?limit=1", w.admin.auth)) == everything


async def test_a_cursor_shows_another_tenant_only_their_own_rows(stack: Stack) -> None:
    a, b = await make_world(stack), await make_world(stack)
    ca, _ = await candidate(a)
    cb, cb_auth = await candidate(b)
    now = utcnow()
    async with a.sessions.begin() as session:
        mine = [stored_case(a, ca, now - timedelta(minutes=i)) for i in range(4)]
        theirs = [
            stored_case(b, cb, now + timedelta(hours=1)),
            stored_case(b, cb, now - timedelta(hours=1)),
        ]
        session.add_all(mine + theirs)
    first = await a.http.get("/cases?limit=2", headers=a.admin.auth)
    assert [c["id"] for c in ok(first)] == [mine[0].id, mine[1].id]
    cursor = first.headers["X-Next-Cursor"]
    # Centre B's admin (and B's candidate) with A's cursor: B's rows older than that
    # point, and nothing of A's.
    for who in (b.admin.auth, cb_auth):
        shown = ok(await b.http.get(f"/cases?limit=2&cursor={cursor}", headers=who))
        assert [c["id"] for c in shown] == [theirs[1].id]
    # The same for credentials: an issuer's cursor used by another issuer.
    a_body, b_body = await body_of(a), await body_of(b)
    async with a.sessions.begin() as session:
        a_creds = [stored_credential(a, a_body, c, c.created_at) for c in mine]
        b_creds = [stored_credential(b, b_body, c, c.created_at) for c in theirs]
        session.add_all(a_creds + b_creds)
    first = await a.http.get("/credentials?limit=2", headers=a.issuer.auth)
    cursor = first.headers["X-Next-Cursor"]
    for who in (b.issuer.auth, b.admin.auth, cb_auth):
        shown = ok(await b.http.get(f"/credentials?limit=50&cursor={cursor}", headers=who))
        assert [c["id"] for c in shown] == [b_creds[1].id]


# --- the other lists ----------------------------------------------------------------


async def test_every_other_list_walks_every_row_once_in_order(stack: Stack) -> None:
    w = await make_world(stack)
    body_id = await body_of(w)
    holder, holder_auth = await candidate(w)
    funder_id, funder_auth = await funder_staff(stack, kind="employer")
    tag = uuid.uuid4().hex[:8]
    at = times(7)
    async with w.sessions.begin() as session:
        sub = WebhookSubscription(
            awarding_body_id=body_id,
            url="http://127.0.0.1:9/hook",
            event_types=["*"],
            secret_sealed=b"x",
            created_at=at[0],
        )
        subs = [sub] + [
            WebhookSubscription(
                awarding_body_id=body_id,
                url=f"http://127.0.0.1:9/{i}",
                event_types=["*"],
                secret_sealed=b"x",
                created_at=t,
            )
            for i, t in enumerate(at[1:])
        ]
        session.add_all(subs)
        await session.flush()
        deliveries = [
            WebhookDelivery(
                event_id=f"evt-{tag}-{i}",
                subscription_id=sub.id,
                attempt=1,
                at=t,
                ok=True,
                status_code=204,
                latency_ms=3.0,
            )
            for i, t in enumerate(at)
        ]
        for d in deliveries:  # one at a time: ids in the order written
            session.add(d)
            await session.flush()
        notices = [
            Notification(
                id=f"n-{tag}-{i}",
                recipient_id=holder,
                template="result-ready",
                subject=f"Message {i}",
                body="…",
                created_at=t,
            )
            for i, t in enumerate(at)
        ]
        invitations = [
            Invitation(
                token_hash=uuid.uuid4().hex,
                email=f"inv-{tag}-{i}@test.example",
                role=Role.assessor.value,
                centre_id=w.centre_id,
                invited_by=w.admin.id,
                created_at=t,
                expires_at=t + timedelta(days=7),
            )
            for i, t in enumerate(at)
        ]
        accreditations = [
            Accreditation(
                awarding_body_id=body_id,
                centre_id=w.centre_id,
                standard_code=f"{w.standard.code}-{i}",
                valid_from=t,
                valid_until=t + timedelta(days=365),
                qa_body="QA",
                qa_reference=f"QA-{i}",
                created_at=t,
            )
            for i, t in enumerate(at)
        ]
        accreditations += await session.scalars(  # the world's own, beside these
            select(Accreditation).where(Accreditation.centre_id == w.centre_id)
        )
        account = LedgerAccount(kind="person", owner_id=holder, unit="PLN")
        programmes = [
            Programme(
                funder_id=funder_id,
                name=f"Programme {tag} {i}",
                unit="PLN",
                budget=1000,
                valid_from=t - timedelta(days=1),
                valid_until=t + timedelta(days=365),
                created_at=t,
            )
            for i, t in enumerate(at)
        ]
        session.add_all([*notices, *invitations, *accreditations, account, *programmes])
        await session.flush()
        grants = [
            Entitlement(
                account_id=account.id,
                funder_id=funder_id,
                unit="PLN",
                amount=100,
                remaining=100,
                valid_from=t,
                valid_until=t + timedelta(days=365),
                reason="a grant",
            )
            for t in at
        ]
        cohorts = [
            Cohort(
                funder_id=funder_id,
                name=f"Cohort {i}",
                standard_id=w.standard_id,
                centre_id=w.centre_id,
                programme_id=programmes[0].id,
                created_by=w.admin.id,
                created_at=t,
            )
            for i, t in enumerate(at)
        ]
        session.add_all([*grants, *cohorts])

    def check(
        pages: list[list[Any]], expected: list[Any], key: str = "id", sizes: list[int] | None = None
    ) -> None:
        assert flat(pages, key) == expected
        assert [len(p) for p in pages] == (sizes or [2, 2, 2, 1])

    oldest_first = lambda rows: [i for _, i in sorted(rows)]  # noqa: E731
    check(
        await walk(w.http, "/webhooks?limit=2", w.issuer.auth),
        oldest_first([(s.created_at, s.id) for s in subs]),
    )
    check(
        await walk(w.http, f"/webhooks/{sub.id}/deliveries?limit=2", w.issuer.auth),
        [d.event_id for d in reversed(deliveries)],  # the latest first
        key="event_id",
    )
    check(
        await walk(w.http, "/me/notifications?limit=2", holder_auth),
        newest_first([(n.created_at, n.id) for n in notices]),
    )
    check(
        await walk(w.http, f"/centres/{w.centre_id}/invitations?limit=2", w.admin.auth),
        newest_first([(i.created_at, i.id) for i in invitations]),
    )
    check(
        await walk(w.http, f"/accreditations?centre_id={w.centre_id}&limit=2", {}),
        newest_first([(as_utc(a.created_at), a.id) for a in accreditations]),
        sizes=[2, 2, 2, 2],
    )
    check(
        await walk(w.http, f"/funders/{funder_id}/grants?limit=2", funder_auth),
        newest_first([(g.valid_from, g.id) for g in grants]),
    )
    check(
        await walk(w.http, f"/funders/{funder_id}/programmes?limit=2", funder_auth),
        oldest_first([(p.created_at, p.id) for p in programmes]),
    )
    check(
        await walk(w.http, f"/funders/{funder_id}/cohorts?limit=2", funder_auth),
        newest_first([(c.created_at, c.id) for c in cohorts]),
    )
    # The open programmes are everyone's: this funder's among them, in their order.
    public = flat(await walk(w.http, "/programmes?limit=50", {}))
    assert [p for p in public if p in {x.id for x in programmes}] == oldest_first(
        [(p.created_at, p.id) for p in programmes]
    )


async def test_a_funders_requests_come_waiting_first_across_pages(stack: Stack) -> None:
    """Two parts, each newest first, read one after the other: whatever the page size,
    every request once, the waiting ones before the decided ones."""
    w = await make_world(stack)
    holder, _ = await candidate(w)
    funder_id, funder_auth = await funder_staff(stack)
    at = times(9)
    async with w.sessions.begin() as session:
        case = stored_case(w, holder, at[0])
        session.add(case)
        await session.flush()
        requests = [
            FundingRequest(
                key=f"req-{uuid.uuid4().hex}",
                case_id=case.id,
                kind="programme",
                funder_id=funder_id,
                unit="PLN",
                amount=100,
                status="pending" if i % 3 == 0 else ("approved", "refused")[i % 2],
                updated_at=t,
            )
            for i, t in enumerate(at)
        ]
        session.add_all(requests)
    waiting = newest_first([(r.updated_at, r.key) for r in requests if r.status == "pending"])
    decided = newest_first([(r.updated_at, r.key) for r in requests if r.status != "pending"])
    for limit in (1, 2, 3, 4, 50):
        pages = await walk(w.http, f"/funders/{funder_id}/requests?limit={limit}", funder_auth)
        assert flat(pages, "key") == waiting + decided, limit
        assert all(len(p) == limit for p in pages[:-1]) and 0 < len(pages[-1]) <= limit


async def test_the_registry_and_the_standards_walk_by_name_and_version(stack: Stack) -> None:
    w = await make_world(stack)
    tag = uuid.uuid4().hex[:8]
    async with w.sessions.begin() as session:
        # Equal names: the registry tells them apart by id.
        centres = [Centre(name=f"Ośrodek {tag} {i // 2}", country="QZ") for i in range(5)]
        bodies = [AwardingBody(name=f"Body {tag} {i // 2}", country="PL") for i in range(5)]
        session.add_all(centres + bodies)
        await session.flush()
        body_id = bodies[0].id
        for v in (3, 1, 5, 2, 4):  # published out of order
            doc = w.standard.model_copy(update={"code": f"paging-{tag}", "version": v})
            await import_standard(session, doc, body_id)
    by_name = lambda rows: [i for _, i in sorted(rows)]  # noqa: E731
    shown = flat(await walk(w.http, "/registry/centres?country=QZ&limit=2", {}))
    assert shown == by_name([(c.name, c.id) for c in centres])
    mine = {b.id for b in bodies}
    shown = [
        b
        for b in flat(await walk(w.http, "/registry/awarding-bodies?limit=3", {}, most=5000))
        if b in mine
    ]
    assert shown == by_name([(b.name, b.id) for b in bodies])
    pages = await walk(w.http, f"/standards?code=paging-{tag}&limit=2", w.admin.auth)
    assert flat(pages, "version") == [1, 2, 3, 4, 5] and [len(p) for p in pages] == [2, 2, 1]


async def test_the_event_feed_reads_on_from_its_cursor(stack: Stack) -> None:
    """The pull feed has had its cursor from the start (``after``: the last sequence
    number read); it reads on from it, each event once."""
    w = await make_world(stack)
    body_id = await body_of(w)
    async with w.sessions.begin() as session:
        for i in range(5):
            session.add(
                Event(
                    id=f"evt-{uuid.uuid4().hex}",
                    type="case.certified",
                    subject=f"s{i}",
                    awarding_body_id=body_id,
                    time=utcnow(),
                    data={"i": i},
                )
            )
    seen: list[int] = []
    after = 0
    while True:
        page = ok(await w.http.get(f"/events?after={after}&limit=2", headers=w.issuer.auth))
        if not page["events"]:
            break
        seen += [e["data"]["i"] for e in page["events"]]
        after = page["next_cursor"]
    assert seen == [0, 1, 2, 3, 4]


# --- refusals -----------------------------------------------------------------------


def _tampered(cursor: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[-3] ^= 0x01  # one bit of the position
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


async def test_a_cursor_the_list_did_not_give_is_refused_by_name(stack: Stack) -> None:
    w = await make_world(stack)
    holder, _ = await candidate(w)
    now = utcnow()
    async with w.sessions.begin() as session:
        session.add_all([stored_case(w, holder, now - timedelta(minutes=i)) for i in range(3)])
    first = await w.http.get("/cases?limit=1", headers=w.admin.auth)
    good = first.headers["X-Next-Cursor"]
    ok(await w.http.get(f"/cases?limit=1&cursor={good}", headers=w.admin.auth))
    # A cursor made up from a real one's shape, without the server's signature.
    payload = base64.urlsafe_b64decode(good + "=" * (-len(good) % 4))[16:]
    forged = json.loads(payload)
    forged[-2] = "2000-01-01T00:00:00+00:00"
    made_up = base64.urlsafe_b64encode(b"\0" * 16 + json.dumps(forged).encode()).decode()
    # Signed by this server, but not a position in this list: a time that is not one.
    wrong_type = CASE_ORDER.encode(stack.settings.secret_key, Position(("yesterday", "x")))
    for i in range(2):
        ok(
            await w.http.post(
                f"/centres/{w.centre_id}/invitations",
                json={"email": f"i{i}-{uuid.uuid4().hex[:6]}@test.example", "role": "assessor"},
                headers=w.admin.auth,
            ),
            201,
        )
    r = await w.http.get(f"/centres/{w.centre_id}/invitations?limit=1", headers=w.admin.auth)
    invitations_cursor = r.headers["X-Next-Cursor"]
    for cursor, why, polish in (
        ("A", "it is malformed", "ma nieprawidłową postać"),
        (wrong_type, "it is malformed", "ma nieprawidłową postać"),
        ("bm90IGEgY3Vyc29y", "it was changed, or signed by another server", "został zmieniony"),
        (good[:-6], "it was changed, or signed by another server", "został zmieniony"),
        (_tampered(good), "it was changed, or signed by another server", "został zmieniony"),
        (made_up.rstrip("="), "it was changed, or signed by another server", "został zmieniony"),
        (invitations_cursor, "it belongs to another list", "należy do innej listy"),
    ):
        r = await w.http.get(f"/cases?cursor={cursor}", headers=w.admin.auth)
        assert r.status_code == 422, (cursor, r.text)
        [error] = r.json()["errors"]
        assert error["field"] == "query.cursor"
        assert error["message"] == (
            f"not a cursor of this list ({why}): start from the first page and follow its "
            'Link rel="next" header'
        )
        r = await w.http.get(f"/cases?cursor={cursor}", headers=w.admin.auth | POLISH)
        assert r.status_code == 422
        said = r.json()["errors"][0]["message"]
        assert said.startswith("to nie jest kursor tej listy (") and polish in said, said
    # Not base64url at all, or too long: refused as the parameter's form.
    for cursor in ("a.b", "A" * 1025):
        r = await w.http.get(f"/cases?cursor={cursor}", headers=w.admin.auth)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "query.cursor"
    # Offset paging is gone: asking for it says how to page now, on every list.
    for address in ("/cases?offset=50", "/credentials?offset=0", "/standards?offset=1"):
        r = await w.http.get(address, headers=w.admin.auth | POLISH)
        assert r.status_code == 422, address
        [error] = r.json()["errors"]
        assert error["field"] == "query.offset"
        assert error["message"].startswith("listy są stronicowane kursorem")


# --- the plans: one index range, no sort, the first page and a deep one --------------


@asynccontextmanager
async def statements() -> AsyncIterator[list[tuple[str, Any]]]:
    """The SQL statements run meanwhile (by the API too: it is in this process)."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


async def plan_of(stack: Stack, table: str, statement: str, parameters: Any) -> str:
    """The plan of ``statement`` as the route ran it. On PostgreSQL, with sequential
    scans, bitmaps and sorts priced out: a handful of test rows would otherwise be read
    whole (as they should be); what is asked here is whether an index gives the list its
    rows in order, which is the plan a table of a million rows gets."""
    async with stack.sessions() as session:  # type: ignore[attr-defined]
        conn = await session.connection()
        if conn.dialect.name == "postgresql":
            await conn.exec_driver_sql(f"ANALYZE {table}")  # the rows the test wrote
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                await conn.exec_driver_sql(f"SET LOCAL {setting} = off")
            rows = await conn.exec_driver_sql("EXPLAIN " + statement, parameters)
            plan = "\n".join(r[0] for r in rows)
        else:
            rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            plan = "\n".join(r[-1] for r in rows)
        await session.rollback()
    return plan


def _listing(table: str) -> Callable[[str], bool]:
    def is_it(statement: str) -> bool:
        s = " ".join(statement.split())
        return s.startswith("SELECT") and f"FROM {table}" in s and "ORDER BY" in s and "LIMIT" in s

    return is_it


async def assert_index_range(
    stack: Stack,
    address: str,
    headers: dict[str, str],
    table: str,
    index: str | None,
    *,
    deep: bool = True,
) -> None:
    """The route's page read (the first page, and the next by its cursor) is a range of
    ``index`` in the list's order: no sort step, on either database."""
    addresses = [address]
    if deep:
        first = await stack.http.get(address, headers=headers)
        assert "next" in first.links, f"{address}: one page only, no deep page to explain"
        addresses.append(first.links["next"]["url"])
    for where in addresses:
        async with statements() as seen:
            ok(await stack.http.get(where, headers=headers))
        listing = [(s, p) for s, p in seen if _listing(table)(s)]
        assert listing, f"{where}: no listing of {table} among {[s for s, _ in seen]}"
        statement, parameters = listing[-1]
        plan = await plan_of(stack, table, statement, parameters)
        assert "Sort" not in plan and "TEMP B-TREE" not in plan, f"{where}:\n{plan}"
        if index is not None:
            assert index in plan, f"{where}: not on {index}:\n{plan}"
        else:
            assert "Index" in plan or "INDEX" in plan, f"{where}:\n{plan}"


async def test_each_page_is_one_index_range_without_a_sort(stack: Stack) -> None:
    w = await make_world(stack)
    body_id = await body_of(w)
    holder, holder_auth = await candidate(w)
    funder_id, funder_auth = await funder_staff(stack, kind="employer")
    at = times(3)
    async with w.sessions.begin() as session:
        cases = [stored_case(w, holder, t, stage="assessment", status="open") for t in at]
        session.add_all(cases)
        await session.flush()
        session.add_all([stored_credential(w, body_id, c, c.created_at) for c in cases])
        sub = WebhookSubscription(
            awarding_body_id=body_id,
            url="http://127.0.0.1:9/",
            event_types=["*"],
            secret_sealed=b"x",
        )
        session.add(sub)
        await session.flush()
        session.add_all(
            WebhookDelivery(
                event_id=f"e{i}", subscription_id=sub.id, attempt=1, at=t, ok=True, latency_ms=1.0
            )
            for i, t in enumerate(at)
        )
        session.add_all(
            Notification(
                id=f"n-{uuid.uuid4().hex}",
                recipient_id=holder,
                template="t",
                subject="s",
                body="b",
                created_at=t,
            )
            for t in at
        )
        session.add_all(
            Invitation(
                token_hash=uuid.uuid4().hex,
                email=f"x{i}@test.example",
                role="assessor",
                centre_id=w.centre_id,
                invited_by=w.admin.id,
                created_at=t,
                expires_at=t,
            )
            for i, t in enumerate(at)
        )
        session.add_all(
            Accreditation(
                awarding_body_id=body_id,
                centre_id=w.centre_id,
                standard_code=f"code-{i}",
                valid_from=t,
                valid_until=t,
                qa_body="QA",
                qa_reference="QA",
                created_at=t,
            )
            for i, t in enumerate(at)
        )
        # The registry and the catalogue: more than one page of each.
        session.add_all([Centre(name="Ośrodek", country="PL") for _ in range(2)])
        session.add_all([AwardingBody(name="Body", country="PL") for _ in range(2)])
        await import_standard(session, w.standard.model_copy(update={"version": 2}), body_id)
        account = LedgerAccount(kind="person", owner_id=holder, unit="PLN")
        programme = Programme(
            funder_id=funder_id,
            name="P",
            unit="PLN",
            budget=1,
            valid_from=at[0],
            valid_until=at[0] + timedelta(days=1),
        )
        session.add_all([account, programme])
        await session.flush()
        session.add_all(
            Entitlement(
                account_id=account.id,
                funder_id=funder_id,
                unit="PLN",
                amount=1,
                remaining=1,
                valid_from=t,
                valid_until=t,
                reason="r",
            )
            for t in at
        )
        session.add_all(
            Cohort(
                funder_id=funder_id,
                name="C",
                standard_id=w.standard_id,
                centre_id=w.centre_id,
                programme_id=programme.id,
                created_by=w.admin.id,
                created_at=t,
            )
            for t in at
        )
        session.add_all(
            FundingRequest(
                key=f"r-{uuid.uuid4().hex}",
                case_id=cases[0].id,
                kind="programme",
                funder_id=funder_id,
                unit="PLN",
                amount=1,
                status=status,
                updated_at=t - timedelta(hours=i),
            )
            # As a funder's requests are: a few waiting, most decided long ago.
            for status, n in (("pending", 1), ("approved", 10))
            for i in range(n)
            for t in at
        )
        session.add_all(
            Event(
                id=f"evt-{uuid.uuid4().hex}",
                type="t",
                subject="s",
                awarding_body_id=body_id,
                time=t,
                data={},
            )
            for t in at
        )
    admin, issuer = w.admin.auth, w.issuer.auth
    for address, who, table, index in (
        ("/cases?limit=1", admin, "cases", "ix_cases_centre_created"),
        ("/cases?limit=1&stage=assessment", admin, "cases", "ix_cases_centre_stage_created"),
        ("/cases?limit=1&status=open", admin, "cases", "ix_cases_centre_status_created"),
        ("/cases?limit=1", holder_auth, "cases", "ix_cases_candidate_created"),
        ("/credentials?limit=1", issuer, "credentials", "ix_credentials_body_issued"),
        ("/credentials?limit=1", holder_auth, "credentials", "ix_credentials_holder_issued"),
        ("/credentials?limit=1", admin, "credentials", "ix_credentials_centre_issued"),
        (
            f"/webhooks/{sub.id}/deliveries?limit=1",
            issuer,
            "webhook_deliveries",
            "ix_webhook_deliveries_subscription_latest",
        ),
        (
            "/me/notifications?limit=1",
            holder_auth,
            "notifications",
            "ix_notifications_recipient_created",
        ),
        (
            f"/centres/{w.centre_id}/invitations?limit=1",
            admin,
            "invitations",
            "ix_invitations_centre_created",
        ),
        (
            f"/accreditations?centre_id={w.centre_id}&limit=1",
            {},
            "accreditations",
            "ix_accreditations_centre_created",
        ),
        (
            f"/accreditations?awarding_body_id={body_id}&limit=1",
            {},
            "accreditations",
            "ix_accreditations_body_created",
        ),
        ("/accreditations?limit=1", {}, "accreditations", "ix_accreditations_created"),
        ("/registry/centres?country=PL&limit=1", {}, "centres", "ix_centres_country_name"),
        ("/registry/centres?limit=1", {}, "centres", "ix_centres_name"),
        ("/registry/awarding-bodies?limit=1", {}, "awarding_bodies", "ix_awarding_bodies_name"),
        (
            f"/funders/{funder_id}/grants?limit=1",
            funder_auth,
            "entitlements",
            "ix_entitlements_funder_valid_from",
        ),
        (
            f"/funders/{funder_id}/cohorts?limit=1",
            funder_auth,
            "cohorts",
            "ix_cohorts_funder_created",
        ),
        (
            f"/funders/{funder_id}/requests?limit=1",
            funder_auth,
            "funding_requests",
            "ix_funding_requests_funder_status_updated",
        ),
        (
            f"/funders/{funder_id}/requests?limit=4",  # the decided part follows on page 1
            funder_auth,
            "funding_requests",
            "ix_funding_requests_funder_updated",
        ),
        ("/standards?limit=1", admin, "standards", None),
    ):
        await assert_index_range(stack, address, who, table, index)
    # The pull feed (its cursor is ``after``): the awarding body's events by sequence.
    await assert_index_range(
        stack, "/events?after=1&limit=2", issuer, "events", "ix_events_body_seq", deep=False
    )


async def test_the_api_document_names_the_cursor_and_the_headers(stack: Stack) -> None:
    spec = ok(await stack.http.get("/openapi.json"))
    paged = {
        (path, method)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if {"Link", "X-Next-Cursor"} <= set(op["responses"].get("200", {}).get("headers", {}))
    }
    assert {
        ("/cases", "get"),
        ("/credentials", "get"),
        ("/funders/{funder_id}/requests", "get"),
    } <= paged
    assert len(paged) >= 17
    for path, method in paged:  # each takes the cursor, none an offset
        names = {p["name"] for p in spec["paths"][path][method]["parameters"]}
        assert {"limit", "cursor"} <= names and "offset" not in names, path
