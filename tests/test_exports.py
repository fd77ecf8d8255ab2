"""Exports stream: the centre's cases CSV and the funder's CSV leave a batch of rows at a
time, read through a server-side cursor, with the very bytes the whole file had when it
was built in memory (names that start like formulas, Polish letters, commas, quotes,
line breaks); refusals still come first, as a plain 403. The funder's report adds up in
SQL what it used to add up in Python over every request, with the same figures."""

from __future__ import annotations

import asyncio
import csv
import io
import math
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_ss_cursor

from api.deps import SESSION_COOKIE
from api.routes.pages import _when
from tests.conftest import Stack
from tests.factories import World, funder_staff, make_world, ok, operator, signed_in
from vnfil.accounts.models import Centre, User
from vnfil.accounts.schemas import Role
from vnfil.accounts.service import create_user
from vnfil.cases.models import Case
from vnfil.funding import ledger
from vnfil.funding.models import Entitlement, FundingRequest, LedgerAccount, Programme
from vnfil.funding.reports import COMMITTED, SPENT, RequestRow, report, requests_of
from vnfil.platform import bulk
from vnfil.platform.bulk import spreadsheet_cell as _cell
from vnfil.standards.models import Standard

PASSWORD = "exports password 12"
# Names a spreadsheet would run as a formula, Polish letters, and what CSV must quote.
TRICKY = [
    '=HYPERLINK("http://evil.example","klik")',
    "+48 600 100 200",
    "-2+3",
    "@SUM(A1:A9)",
    "Zofia Gęślą-Jaźwińska",
    "Kowalski, Jan",
    'Anna "Ania" Nowak',
    "Łukasz\nDrugi wiersz",
    "\tTabulator",
    "Żaneta Ćwik\r\nKoniec",
]


async def _cases(w: World, names: list[str]) -> list[str]:
    """One case per name at the world's centre, straight into the database, opened a
    second apart (so their order is the same in any export)."""
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    ids = []
    async with w.sessions.begin() as session:
        for i, name in enumerate(names):
            email = f"{'-' if i % 3 == 0 else ''}c{i}-{uuid.uuid4().hex[:8]}@test.example"
            person, _ = await create_user(session, name=name, email=email, role=Role.candidate)
            case_id = str(uuid.uuid4())
            session.add(
                Case(
                    id=case_id,
                    workflow_id=f"case-{case_id}",
                    centre_id=w.centre_id,
                    standard_id=w.standard_id,
                    candidate_id=person.id,
                    stage="completed" if i % 4 == 0 else "documentation",
                    status="completed" if i % 4 == 0 else "open",
                    result="full" if i % 4 == 0 else None,
                    deadline=None if i % 5 == 0 else start + timedelta(days=30 + i),
                    created_at=start + timedelta(seconds=i),
                )
            )
            ids.append(case_id)
    return ids


async def _cases_csv_as_it_was(w: World) -> str:
    """``GET /app/cases.csv`` as it was built before it streamed: every row at once."""
    async with w.sessions() as session:
        rows = await session.execute(
            select(Case, User.name, User.email, Standard.title)
            .join(User, User.id == Case.candidate_id)
            .join(Standard, Standard.id == Case.standard_id)
            .where(Case.centre_id == w.centre_id)
            .order_by(Case.created_at)
        )
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [
                "reference",
                "candidate",
                "candidate_email",
                "standard",
                "stage",
                "status",
                "result",
                "deadline_utc",
                "opened_utc",
                "case_id",
                "standard_id",
                "candidate_id",
            ]
        )
        for c, name, email, title in rows:
            writer.writerow(
                [
                    c.id[:8],
                    _cell(name),
                    _cell(email),
                    _cell(title),
                    c.stage,
                    c.status,
                    c.result or "",
                    _when(c.deadline),
                    _when(c.created_at),
                    c.id,
                    c.standard_id,
                    c.candidate_id,
                ]
            )
        return out.getvalue()


async def test_the_cases_csv_is_the_same_file_streamed(stack: Stack) -> None:
    w = await make_world(stack)
    ids = await _cases(w, TRICKY)
    async with signed_in(stack, w.admin, PASSWORD) as admin:
        r = await admin.get("/app/cases.csv")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == 'attachment; filename="cases.csv"'
    assert not r.content.startswith(b"\xef\xbb\xbf")  # no byte-order mark, as before
    assert r.text == await _cases_csv_as_it_was(w)
    # What a spreadsheet reads back: every name whole, none a formula.
    rows = {row["case_id"]: row for row in csv.DictReader(io.StringIO(r.text, newline=""))}
    assert [rows[i]["candidate"] for i in ids] == [
        '\'=HYPERLINK("http://evil.example","klik")',
        "'+48 600 100 200",
        "'-2+3",
        "'@SUM(A1:A9)",
        "Zofia Gęślą-Jaźwińska",
        "Kowalski, Jan",
        'Anna "Ania" Nowak',
        "Łukasz\nDrugi wiersz",
        "'\tTabulator",
        "Żaneta Ćwik\r\nKoniec",
    ]
    assert rows[ids[0]]["candidate_email"].startswith("'-c0-")
    assert rows[ids[0]]["deadline_utc"] == "" and rows[ids[1]]["deadline_utc"] == "2026-02-05 09:00"


async def test_only_a_centre_admin_exports_and_is_told_so_before_any_byte(stack: Stack) -> None:
    w = await make_world(stack)
    await _cases(w, ["Jan Nowak"])
    counsellor = await w.person(Role.counsellor)
    async with signed_in(stack, counsellor, PASSWORD) as browser:
        r = await browser.get("/app/cases.csv", headers={"Accept": "application/json"})
    assert r.status_code == 403
    assert r.json()["detail"] == "centre admins export their cases"
    assert "text/csv" not in r.headers["content-type"]


# --- the export holds a batch, not the table -------------------------------------------


class Fetches:
    """Rows handed over by server-side cursors (the only way a streamed read reaches the
    database), counted as the driver hands them over."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rows = 0
        for name in ("fetchone", "fetchmany", "fetchall"):
            monkeypatch.setattr(AsyncAdapt_dbapi_ss_cursor, name, self._counting(name))

    def _counting(self, name: str) -> Callable[..., Any]:
        original = getattr(AsyncAdapt_dbapi_ss_cursor, name)

        def fetch(cursor: Any, *args: Any, **kwargs: Any) -> Any:
            got = original(cursor, *args, **kwargs)
            if name == "fetchone":
                self.rows += got is not None
            else:
                self.rows += len(got)
            return got

        return fetch


async def _streamed(
    stack: Stack,
    path: str,
    headers: dict[str, str],
    fetches: Fetches,
    hang_up_after: int | None = None,
) -> tuple[int, str, list[tuple[int, int]]]:
    """GET ``path`` through the app's own ASGI interface, as a server would: the status,
    the body, and for each piece of it as it was sent, (rows the database had handed
    over by then, CSV records sent by then). The client hangs up after ``hang_up_after``
    pieces, if given."""
    app = stack.http._transport.app  # type: ignore[attr-defined]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")]
        + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    asked = False
    gone = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    status = 0
    body = b""
    pieces: list[tuple[int, int]] = []

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, body
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body" and message.get("body"):
            body += message["body"]
            records = len(list(csv.reader(io.StringIO(body.decode(), newline="")))) - 1
            pieces.append((fetches.rows, records))
            if len(pieces) == hang_up_after:
                gone.set()
                await asyncio.sleep(0.2)  # a server notices the client is gone

    await app(scope, receive, send)
    return status, body.decode(), pieces


async def _assert_streams(
    stack: Stack,
    path: str,
    headers: dict[str, str],
    rows: int,
    as_it_was: Callable[[], Awaitable[str]],
    fetches: Fetches,
) -> None:
    status, text, pieces = await _streamed(stack, path, headers, fetches)
    assert status == 200
    assert text == await as_it_was()
    assert pieces[-1] == (rows, rows)  # every row came through a server-side cursor, and out
    # Never more than a partition read ahead of what was sent (one being written, one in
    # the driver's buffer); a file built whole first would have read them all before
    # sending anything.
    held = [fetched - sent for fetched, sent in pieces]
    assert max(held) <= 2 * bulk.BATCH, pieces
    assert len(pieces) >= math.ceil(rows / bulk.BATCH), pieces


async def test_the_cases_csv_holds_a_batch_of_rows_not_the_table(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "BATCH", 4)  # 23 rows: six partitions, the last short
    w = await make_world(stack)
    await _cases(w, [f"Kandydat {i:02} Wiśniewski" for i in range(23)])
    fetches = Fetches(monkeypatch)
    async with signed_in(stack, w.admin, PASSWORD) as admin:
        cookie = f"{SESSION_COOKIE}={admin.cookies[SESSION_COOKIE]}"
    await _assert_streams(
        stack, "/app/cases.csv", {"cookie": cookie}, 23, lambda: _cases_csv_as_it_was(w), fetches
    )


async def test_a_client_that_hangs_up_gives_the_exports_connection_back_at_once(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "BATCH", 4)
    w = await make_world(stack)
    await _cases(w, [f"Kandydatka {i:02} Żak" for i in range(23)])
    fetches = Fetches(monkeypatch)
    async with signed_in(stack, w.admin, PASSWORD) as admin:
        cookie = f"{SESSION_COOKIE}={admin.cookies[SESSION_COOKIE]}"
    app = stack.http._transport.app  # type: ignore[attr-defined]
    pool = app.state.sessions.kw["bind"].pool
    before = pool.checkedout()
    status, _, pieces = await _streamed(
        stack, "/app/cases.csv", {"cookie": cookie}, fetches, hang_up_after=2
    )
    assert status == 200 and len(pieces) == 2 and fetches.rows < 23
    # When the response is done, so is the export's read: its cursor closed, its
    # connection back in the pool (not whenever the abandoned generator is collected).
    assert pool.checkedout() == before


# --- the funder's CSV and report -------------------------------------------------------


STATUSES = ["pending", "approved", "held", "settled", "refused", "released"]


async def _requests(w: World, funder_id: str, case_ids: list[str]) -> None:
    """Requests to the funder in every status, two units, with and without a programme
    (one named like a formula, with a comma, a quote and a line break), at a second
    centre of the same name with no region; the candidates of some with a special-needs
    entitlement from this funder."""
    at = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
    async with w.sessions.begin() as session:
        centre = await session.get(Centre, w.centre_id)
        assert centre is not None
        centre.region = "mazowieckie"
        twin = Centre(name=centre.name, country="PL", region=None)
        session.add(twin)
        programme = Programme(
            funder_id=funder_id,
            name='=Fundusz "Łódź",\nnabór 2',
            unit="PLN",
            budget=10_000_00,
            valid_from=at - timedelta(days=30),
            valid_until=at + timedelta(days=365),
        )
        session.add(programme)
        await session.flush()
        for i, case_id in enumerate(case_ids):
            if i % 7 == 3:
                row = await session.get(Case, case_id)
                assert row is not None
                row.centre_id = twin.id
            for j in range(1 + i % 2):
                session.add(
                    FundingRequest(
                        key=f"hold:{case_id}:{j}",
                        case_id=case_id,
                        kind="programme" if j == 0 else "account",
                        programme_id=programme.id if (i + j) % 3 else None,
                        funder_id=funder_id,
                        unit="PLN" if (i + j) % 4 else "EUR",
                        amount=100_00 + 7 * i + j,
                        status=STATUSES[(i + j) % len(STATUSES)],
                        # some at the same moment: the key orders those
                        updated_at=at + timedelta(minutes=i // 2),
                    )
                )
            if i % 5 == 1:
                row = await session.get(Case, case_id)
                assert row is not None
                account = await ledger.account(session, ledger.LEARNING, row.candidate_id, "PLN")
                session.add(
                    Entitlement(
                        account_id=account.id,
                        funder_id=funder_id,
                        unit="PLN",
                        amount=50_00,
                        remaining=50_00,
                        valid_from=at - timedelta(days=1),
                        valid_until=at + timedelta(days=300),
                        special_needs=True,
                        reason="orzeczenie",
                    )
                )
    # Someone with such an entitlement but no case funded by it is not counted.
    async with w.sessions.begin() as session:
        other, _ = await create_user(
            session,
            name="Bez wniosku",
            email=f"x-{uuid.uuid4().hex}@t.example",
            role=Role.candidate,
        )
        account = await ledger.account(session, ledger.LEARNING, other.id, "PLN")
        session.add(
            Entitlement(
                account_id=account.id,
                funder_id=funder_id,
                unit="PLN",
                amount=1,
                remaining=1,
                valid_from=at,
                valid_until=at + timedelta(days=1),
                special_needs=True,
                reason="r",
            )
        )


async def _rows_as_they_were(w: World, funder_id: str) -> list[RequestRow]:
    """Every request of the funder, read whole, as the report and the CSV read them."""
    async with w.sessions() as session:
        found = await session.execute(
            select(FundingRequest, Case, Standard.code, Centre.name, Centre.region, Programme.name)
            .join(Case, Case.id == FundingRequest.case_id)
            .join(Standard, Standard.id == Case.standard_id)
            .join(Centre, Centre.id == Case.centre_id)
            .outerjoin(Programme, Programme.id == FundingRequest.programme_id)
            .where(FundingRequest.funder_id == funder_id)
            .order_by(FundingRequest.updated_at.desc(), FundingRequest.key)
        )
        return [
            RequestRow(
                case_id=case.id,
                programme_id=req.programme_id or "",
                standard=code,
                centre=centre,
                region=region or "",
                programme=programme or "",
                kind=req.kind,
                unit=req.unit,
                amount=req.amount,
                status=req.status,
                case_status=case.status,
                updated_at=req.updated_at,
            )
            for req, case, code, centre, region, programme in found
        ]


async def _funder_csv_as_it_was(w: World, funder_id: str) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(RequestRow.model_fields))
    writer.writeheader()
    for r in await _rows_as_they_were(w, funder_id):
        row = r.model_dump(mode="json")
        # As it was, but for one mend: an empty cell stays empty (it came out as a lone ').
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


async def _figures_as_they_were(w: World, funder_id: str) -> dict[str, Any]:
    """The report's figures as they were added up in Python over every request."""
    rows = await _rows_as_they_were(w, funder_id)

    def spend(key: str) -> list[dict[str, Any]]:
        acc: dict[tuple[str, str], dict[str, Any]] = defaultdict(
            lambda: {"paid": 0, "committed": 0, "cases": set()}
        )
        for r in rows:
            slot = acc[(getattr(r, key), r.unit)]
            if r.status in SPENT:
                slot["paid"] += r.amount
            elif r.status in COMMITTED:
                slot["committed"] += r.amount
            else:
                continue
            slot["cases"].add(r.case_id)
        return [
            {
                "key": k,
                "unit": u,
                "paid": v["paid"],
                "committed": v["committed"],
                "cases": len(v["cases"]),
            }
            for (k, u), v in sorted(acc.items())
        ]

    paid_cases = {r.case_id for r in rows if r.status in SPENT}
    paid: Counter[str] = Counter()
    for r in rows:
        if r.status in SPENT:
            paid[r.unit] += r.amount
    async with w.sessions() as session:
        served = set(
            await session.scalars(
                select(Case.candidate_id).where(Case.id.in_({r.case_id for r in rows}))
            )
        )
        special = set(
            await session.scalars(
                select(LedgerAccount.owner_id)
                .join(Entitlement, Entitlement.account_id == LedgerAccount.id)
                .where(Entitlement.funder_id == funder_id, Entitlement.special_needs.is_(True))
            )
        )
    return {
        "pending": sum(1 for r in rows if r.status == "pending"),
        "by_standard": spend("standard"),
        "by_centre": spend("centre"),
        "by_region": spend("region"),
        "certified_cases": len(paid_cases),
        "outcomes_validated": 0,  # no credential in this world
        "outcomes_per_thousand": {u: 0.0 for u, amount in paid.items() if amount},
        "special_needs_people": len(special & served),
    }


async def _funding_world(stack: Stack, cases: int) -> tuple[World, str, dict[str, str]]:
    w = await make_world(stack)
    funder_id, funds = await funder_staff(stack)
    ids = await _cases(w, [TRICKY[i % len(TRICKY)] for i in range(cases)])
    await _requests(w, funder_id, ids)
    return w, funder_id, funds


async def test_the_funders_csv_and_report_are_what_they_were(stack: Stack) -> None:
    w, funder_id, funds = await _funding_world(stack, 30)
    r = await stack.http.get(f"/funders/{funder_id}/report.csv", headers=funds)
    assert r.status_code == 200
    assert r.headers["content-disposition"] == f'attachment; filename="funding-{funder_id}.csv"'
    assert r.text == await _funder_csv_as_it_was(w, funder_id)
    rows = list(csv.DictReader(io.StringIO(r.text, newline="")))
    assert len(rows) == 45
    assert '\'=Fundusz "Łódź",\nnabór 2' in {row["programme"] for row in rows}
    assert "'" not in {row["region"] for row in rows}  # an empty cell is empty, not a lone '

    figures = ok(await stack.http.get(f"/funders/{funder_id}/report", headers=funds))
    expected = await _figures_as_they_were(w, funder_id)
    assert {k: figures[k] for k in expected} == expected
    # The figures are not trivially equal: every kind of row is there.
    assert figures["pending"] and figures["certified_cases"] and figures["special_needs_people"]
    assert {s["key"] for s in figures["by_region"]} == {"", "mazowieckie"}
    assert len(figures["by_centre"]) == 2  # two centres of one name: one key, two units

    # The funder's page lists the waiting requests first, then the newest: the first
    # ``limit`` of them read as such, the same as every request read and sorted.
    whole = await _rows_as_they_were(w, funder_id)
    async with w.sessions() as session:
        for limit in (3, 8, 200):
            assert (
                await requests_of(session, funder_id, limit)
                == sorted(whole, key=lambda r: r.status != "pending")[:limit]
            )
        assert (await report(session, funder_id)).pending == expected["pending"]


async def test_the_funders_csv_holds_a_batch_of_rows_not_the_table(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "BATCH", 5)
    w, funder_id, funds = await _funding_world(stack, 16)  # 24 requests
    fetches = Fetches(monkeypatch)
    await _assert_streams(
        stack,
        f"/funders/{funder_id}/report.csv",
        funds,
        24,
        lambda: _funder_csv_as_it_was(w, funder_id),
        fetches,
    )


async def test_another_funders_csv_is_refused_before_any_byte(stack: Stack) -> None:
    _, funder_id, _ = await _funding_world(stack, 2)
    _, other = await funder_staff(stack)
    r = await stack.http.get(f"/funders/{funder_id}/report.csv", headers=other)
    assert r.status_code == 403 and "text/csv" not in r.headers["content-type"]
    assert r.json()["detail"] == "you act for another funder"
    r = await stack.http.get(
        f"/funders/{uuid.uuid4()}/report.csv", headers=(await operator(stack)).auth
    )
    assert r.status_code == 404 and "text/csv" not in r.headers["content-type"]
