"""Funders and learning accounts through the API: the operator onboards a funder, its
staff grant entitlements (once per Idempotency-Key), the person reads their account, and
entitlements end on their day (the time-skipping server), carried over where granted so."""

from __future__ import annotations

import html
import uuid
from datetime import timedelta
from typing import Any

from standardwebhooks import Webhook

from tests.conftest import Stack
from tests.factories import (
    Person,
    funder_staff,
    invitation_token,
    make_world,
    new_case,
    ok,
    operator,
    signed_in,
)
from tests.receiver import Receiver
from tests.test_webhooks import _until
from vnfil.platform.db import utcnow
from vnfil.platform.embedded import free_port
from vnfil.standards.service import sample_document


async def _candidate(stack: Stack) -> tuple[str, dict[str, str]]:
    email = f"learner-{uuid.uuid4().hex[:10]}@test.example"
    made = ok(
        await stack.http.post("/users/register", json={"name": "Jan Kowalski", "email": email}),
        201,
    )
    return email, {"Authorization": f"Bearer {made['token']}"}


def _grant(email: str, **kw: Any) -> dict[str, Any]:
    return {
        "email": email,
        "amount": kw.pop("amount", 1500_00),
        "valid_until": kw.pop("valid_until", (utcnow() + timedelta(days=365)).isoformat()),
        "reason": kw.pop("reason", "Regionalny program: walidacja kompetencji cyfrowych"),
        **kw,
    }


async def test_a_funder_is_onboarded_and_grants_entitlements_once(stack: Stack) -> None:
    op = await operator(stack)
    funder = ok(
        await stack.http.post(
            "/funders",
            json={
                "name": "KFS Pomorskie",
                "kind": "public_programme",
                "country": "PL",
                "region": "Pomorskie",
            },
            headers=op.auth,
        ),
        201,
    )
    invitation = ok(
        await stack.http.post(
            f"/funders/{funder['id']}/invitations",
            json={"email": f"staff-{uuid.uuid4().hex[:8]}@kfs.example"},
            headers=op.auth,
        ),
        201,
    )
    assert invitation["role"] == "funder" and invitation["funder_id"] == funder["id"]
    token = await invitation_token(stack, invitation["id"])
    staff = ok(
        await stack.http.post(
            f"/invitations/{token}/acceptance",
            json={"name": "Fiona Fundusz", "password": "funder password 1"},
        ),
        201,
    )
    stack.http.cookies.clear()
    funds = {"Authorization": f"Bearer {staff['token']}"}
    assert ok(await stack.http.get(f"/funders/{funder['id']}", headers=funds))["name"] == (
        "KFS Pomorskie"
    )

    email, learner = await _candidate(stack)
    assert ok(await stack.http.get("/me/learning-account", headers=learner)) == {
        "balances": {},
        "held": {},
        "entitlements": [],
        "movements": [],
        "validations": [],
    }
    headers = {**funds, "Idempotency-Key": "grant-2026-0001"}
    first = ok(
        await stack.http.post(
            f"/funders/{funder['id']}/grants", json=_grant(email), headers=headers
        ),
        201,
    )
    again = ok(
        await stack.http.post(
            f"/funders/{funder['id']}/grants", json=_grant(email), headers=headers
        ),
        201,
    )
    assert again["id"] == first["id"]  # a retry grants once
    other = await stack.http.post(
        f"/funders/{funder['id']}/grants", json=_grant(email, amount=99_00), headers=headers
    )
    assert other.status_code == 409 and "already made, with other amounts" in other.json()["detail"]
    extra = ok(
        await stack.http.post(
            f"/funders/{funder['id']}/grants",
            json=_grant(
                email, amount=500_00, special_needs=True, reason="Dodatkowe: niepełnosprawność"
            ),
            headers=funds,
        ),
        201,
    )
    assert extra["special_needs"] is True

    account = ok(await stack.http.get("/me/learning-account", headers=learner))
    assert account["balances"] == {"PLN": 2000_00} and account["held"] == {}
    assert [e["amount"] for e in account["entitlements"]] == [1500_00, 500_00]
    assert {e["funder_name"] for e in account["entitlements"]} == {"KFS Pomorskie"}
    assert sorted(m["amount"] for m in account["movements"]) == [500_00, 1500_00]
    listed = ok(await stack.http.get(f"/funders/{funder['id']}/grants", headers=funds))
    assert {g["id"] for g in listed} == {first["id"], extra["id"]}

    # What is refused, and why, in words.
    nobody = await stack.http.post(
        f"/funders/{funder['id']}/grants", json=_grant("nobody@test.example"), headers=funds
    )
    assert nobody.status_code == 404 and "no one has registered" in nobody.json()["detail"]
    past = await stack.http.post(
        f"/funders/{funder['id']}/grants",
        json=_grant(email, valid_until=(utcnow() - timedelta(days=1)).isoformat()),
        headers=funds,
    )
    assert past.status_code == 422 and "in the future" in past.json()["detail"]
    polish = await stack.http.post(
        f"/funders/{funder['id']}/grants",
        json=_grant("nobody@test.example"),
        headers={**funds, "Accept-Language": "pl"},
    )
    assert "nikt nie zarejestrował się" in polish.json()["detail"]
    for bad in ({"amount": 0}, {"amount": -5}, {"unit": "zł"}, {"amount": 10**13}):
        r = await stack.http.post(
            f"/funders/{funder['id']}/grants", json=_grant(email, **bad), headers=funds
        )
        assert r.status_code == 422, (bad, r.text)
    # The person's page says it, in their language.
    me = ok(await stack.http.get("/me", headers=learner))
    person = Person(me["id"], learner["Authorization"].split(" ", 1)[1], "candidate")
    async with signed_in(stack, person, "learner password 1") as browser:
        page = html.unescape((await browser.get("/app/learning-account?lang=en")).text)
        assert "2,000.00\u00a0PLN" in page and "KFS Pomorskie" in page
        assert "special needs" in page and "credited by the funder" in page
        polish = html.unescape((await browser.get("/app/learning-account?lang=pl")).text)
        assert "2\u00a0000,00\u00a0PLN" in polish and "szczególne potrzeby" in polish
        assert "przyznane przez fundatora" in polish
    other_id, other_staff = await funder_staff(stack)
    assert (
        await stack.http.post(
            f"/funders/{funder['id']}/grants", json=_grant(email), headers=other_staff
        )
    ).status_code == 403
    assert ok(await stack.http.get("/me/learning-account", headers=learner))["balances"] == {
        "PLN": 2000_00
    }


async def test_entitlements_end_on_their_day_and_carry_over_once(
    timed: tuple[Stack, Any],
) -> None:
    stack, env = timed
    funder_id, funds = await funder_staff(stack)
    email, learner = await _candidate(stack)
    now = utcnow()
    ok(
        await stack.http.post(
            f"/funders/{funder_id}/grants",
            json=_grant(email, amount=300_00, valid_until=(now + timedelta(days=30)).isoformat()),
            headers=funds,
        ),
        201,
    )
    ok(
        await stack.http.post(
            f"/funders/{funder_id}/grants",
            json=_grant(
                email,
                amount=200_00,
                valid_until=(now + timedelta(days=60)).isoformat(),
                carry_over_months=3,
            ),
            headers=funds,
        ),
        201,
    )
    assert ok(await stack.http.get("/me/learning-account", headers=learner))["balances"] == {
        "PLN": 500_00
    }
    await env.sleep(timedelta(days=31))
    account = ok(await stack.http.get("/me/learning-account", headers=learner))
    assert account["balances"] == {"PLN": 200_00}
    ended = [e for e in account["entitlements"] if e["expired_at"]]
    assert [e["amount"] for e in ended] == [300_00] and ended[0]["remaining"] == 0
    await env.sleep(timedelta(days=30))
    account = ok(await stack.http.get("/me/learning-account", headers=learner))
    assert account["balances"] == {"PLN": 200_00}  # carried over, not lost
    carried = [e for e in account["entitlements"] if e["carried_from"]]
    assert len(carried) == 1 and carried[0]["remaining"] == 200_00
    await env.sleep(timedelta(days=95))
    account = ok(await stack.http.get("/me/learning-account", headers=learner))
    assert account["balances"] == {"PLN": 0}  # the carried lot ended too: once only
    kinds = [m["kind"] for m in account["movements"]]
    assert kinds.count("expiry") == 2 and kinds.count("carry_over") == 2


async def test_centres_publish_prices_and_funders_open_programmes(stack: Stack) -> None:
    w = await make_world(stack)
    code = w.standard.code
    whole = ok(
        await stack.http.put(
            f"/centres/{w.centre_id}/prices/{code}", json={"amount": 1200_00}, headers=w.admin.auth
        )
    )
    assert whole["amount"] == 1200_00 and whole["stages"] is None
    staged = ok(
        await stack.http.put(
            f"/centres/{w.centre_id}/prices/{code}",
            json={"stages": {"identification": 100_00, "assessment": 900_00}},
            headers=w.admin.auth,
        )
    )
    assert staged["amount"] == 1000_00 and staged["stages"]["assessment"] == 900_00
    listed = ok(await stack.http.get(f"/centres/{w.centre_id}/prices"))
    assert [p["amount"] for p in listed] == [1000_00]
    for bad in ({}, {"amount": 1, "stages": {"assessment": 1}}, {"stages": {"lunch": 5}}):
        r = await stack.http.put(
            f"/centres/{w.centre_id}/prices/{code}", json=bad, headers=w.admin.auth
        )
        assert r.status_code == 422, (bad, r.text)
    other = await make_world(stack)
    r = await stack.http.put(
        f"/centres/{w.centre_id}/prices/{code}", json={"amount": 1}, headers=other.admin.auth
    )
    assert r.status_code == 403 and "your own centre" in r.json()["detail"]
    missing = await stack.http.put(
        f"/centres/{w.centre_id}/prices/no-such-standard", json={"amount": 1}, headers=w.admin.auth
    )
    assert missing.status_code == 404

    funder_id, funds = await funder_staff(stack, "Urząd Marszałkowski")
    made = ok(
        await stack.http.post(
            f"/funders/{funder_id}/programmes",
            json={
                "name": "Walidacja kompetencji cyfrowych 2027",
                "budget": 50_000_00,
                "standard_codes": [code],
                "eqf_levels": [4],
                "regions": ["Pomorskie"],
                "share_percent": 80,
                "cap_per_person_year": 2000_00,
                "valid_until": (utcnow() + timedelta(days=365)).isoformat(),
            },
            headers=funds,
        ),
        201,
    )
    assert made["available"] == 50_000_00 and made["committed"] == 0
    public = ok(await stack.http.get("/programmes?limit=200"))
    mine = [p for p in public if p["id"] == made["id"]]
    assert mine and mine[0]["funder_name"] == "Urząd Marszałkowski"
    assert mine[0]["share_percent"] == 80 and mine[0]["regions"] == ["Pomorskie"]
    past = await stack.http.post(
        f"/funders/{funder_id}/programmes",
        json={"name": "x", "budget": 1, "valid_until": "2020-01-01T00:00:00Z"},
        headers=funds,
    )
    assert past.status_code == 422 and "in the future" in past.json()["detail"]


async def _email(stack: Stack, person: Person) -> str:
    return str(ok(await stack.http.get("/me", headers=person.auth))["email"])


async def test_a_case_is_funded_from_an_account_and_a_programme_and_settled_at_certification(
    stack: Stack,
) -> None:
    w = await make_world(stack)
    ok(
        await stack.http.put(
            f"/centres/{w.centre_id}/prices/{w.standard.code}",
            json={"amount": 1000_00, "funding_required": True},
            headers=w.admin.auth,
        )
    )
    funder_id, funds = await funder_staff(stack, "Fundusz Szkoleniowy")
    programme = ok(
        await stack.http.post(
            f"/funders/{funder_id}/programmes",
            json={
                "name": "Walidacja 2027",
                "budget": 10_000_00,
                "standard_codes": [w.standard.code],
                "share_percent": 60,
                "decision_days": 14,
                "valid_until": (utcnow() + timedelta(days=365)).isoformat(),
            },
            headers=funds,
        ),
        201,
    )
    # The funder takes its events by webhook, as issuers do.
    receiver = Receiver(free_port()).start()
    hook = ok(await stack.http.post("/webhooks", json={"url": receiver.url}, headers=funds), 201)
    assert hook["funder_id"] == funder_id and hook["awarding_body_id"] is None
    run = await new_case(w)
    ok(
        await stack.http.post(
            f"/funders/{funder_id}/grants",
            json=_grant(await _email(stack, run.candidate), amount=500_00),
            headers=funds,
        ),
        201,
    )
    ok(await run.identify())
    await run.add_default_evidence()
    ok(await run.assign())
    # Funding is required before assessment: the portfolio waits for it.
    early = await run.submit()
    assert early.status_code == 422 and "choose who pays first" in early.json()["detail"]
    # Sources that do not cover the fee are refused, and nothing is held.
    short = await stack.http.post(
        f"{run.url}/funding",
        json={"sources": [{"kind": "account", "amount": 100_00}]},
        headers=run.candidate.auth,
    )
    assert short.status_code == 422 and "cover the fee exactly" in short.json()["detail"]
    choice = {
        "sources": [{"kind": "programme", "programme_id": programme["id"]}, {"kind": "account"}]
    }
    asking = {**run.candidate.auth, "Idempotency-Key": "fund-1"}
    view = ok(await stack.http.post(f"{run.url}/funding", json=choice, headers=asking))
    # The same request again (an unsure answer retried): the same holds, the same step.
    again = ok(await stack.http.post(f"{run.url}/funding", json=choice, headers=asking))
    assert again["funding"] == view["funding"]
    funding = view["funding"]
    assert funding["status"] == "pending" and funding["fee"] == 1000_00
    assert [(s["kind"], s["amount"], s["status"]) for s in funding["sources"]] == [
        ("account", 400_00, "held"),  # the account first: every request locks in one order
        ("programme", 600_00, "pending"),
    ]
    account = ok(await stack.http.get("/me/learning-account", headers=run.candidate.auth))
    assert account["balances"] == {"PLN": 100_00} and account["held"] == {"PLN": 400_00}
    pending = await run.submit()
    assert pending.status_code == 422 and "has not decided yet" in pending.json()["detail"]
    # The funder sees the request and approves its part.
    asked = ok(await stack.http.get(f"/funders/{funder_id}/requests", headers=funds))
    assert [(r["case_id"], r["status"]) for r in asked] == [(run.case_id, "pending")]
    staff = ok(await stack.http.get("/me", headers=funds))
    funder_person = Person(staff["id"], funds["Authorization"].split(" ", 1)[1], "funder")
    async with signed_in(stack, funder_person, "funder password 1") as browser:
        page = html.unescape((await browser.get("/app?lang=en")).text)
        assert "Fundusz Szkoleniowy" in page and "waiting for your decision" in page
        assert f'data-api="/cases/{run.case_id}/funding/decisions"' in page
        polish = html.unescape((await browser.get("/app?lang=pl")).text)
        assert "czeka na Twoją decyzję" in polish and "600,00\u00a0PLN" in polish
    other_id, other_funds = await funder_staff(stack)
    stranger = await stack.http.post(
        f"{run.url}/funding/decisions",
        json={"programme_id": programme["id"], "approve": True, "reason": "ok"},
        headers=other_funds,
    )
    assert stranger.status_code == 404
    decided = ok(
        await stack.http.post(
            f"{run.url}/funding/decisions",
            json={"programme_id": programme["id"], "approve": True, "reason": "eligible"},
            headers=funds,
        )
    )
    assert decided["status"] == "approved"
    ok(await run.submit())
    ok(await run.verify_identity())
    ok(await run.decide(run.assessors[0]))
    ok(await run.decide(run.assessors[1]))
    ok(await run.accept())
    ok(await run.certify())
    # Certified: both sources paid to the centre.
    view = ok(await stack.http.get(f"{run.url}/status", headers=run.candidate.auth))
    assert view["funding"]["status"] == "settled"
    assert {s["status"] for s in view["funding"]["sources"]} == {"settled"}
    account = ok(await stack.http.get("/me/learning-account", headers=run.candidate.auth))
    assert account["balances"] == {"PLN": 100_00} and account["held"] == {"PLN": 0}
    programmes = ok(await stack.http.get(f"/funders/{funder_id}/programmes", headers=funds))
    assert (programmes[0]["available"], programmes[0]["committed"]) == (9400_00, 0)
    async with stack.sessions() as session:  # type: ignore[operator]
        from vnfil.funding import ledger as books

        centre = await books.account(session, books.CENTRE, w.centre_id, "PLN")
        assert centre.balance == 1000_00
    # Its webhooks said each step of its programme's part, signed (checked with the
    # Standard Webhooks library), and its pull feed holds the same; no issuer sees them.
    try:
        await _until(lambda: len(receiver.received) >= 3, "three funding events arrived")
        got = [Webhook(hook["secret"]).verify(r.body, r.headers) for r in receiver.received]
    finally:
        receiver.stop()
    assert [e["type"] for e in got] == ["funding.requested", "funding.approved", "funding.settled"]
    assert {e["data"]["case_id"] for e in got} == {run.case_id}
    assert got[0]["data"]["amount"] == 600_00 and got[1]["data"]["reason"] == "eligible"
    feed = ok(await stack.http.get("/events", headers=funds))["events"]
    assert [e["type"] for e in feed] == [e["type"] for e in got]
    issuer_feed = ok(await stack.http.get("/events?after=0&limit=1000", headers=w.issuer.auth))
    assert not any(e["type"].startswith("funding.") for e in issuer_feed["events"])
    # What the funder's money bought: its report and every row as CSV.
    figures = ok(await stack.http.get(f"/funders/{funder_id}/report", headers=funds))
    assert figures["programmes"][0]["paid"] == 600_00 and figures["pending"] == 0
    assert [(x["key"], x["paid"], x["cases"]) for x in figures["by_standard"]] == [
        (w.standard.code, 600_00, 1)
    ]
    assert figures["certified_cases"] == 1
    assert figures["outcomes_validated"] == len(w.standard.learning_outcomes)
    csv_text = (await stack.http.get(f"/funders/{funder_id}/report.csv", headers=funds)).text
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("case_id,programme_id,standard") and len(lines) == 2
    assert run.case_id in lines[1] and ",settled," in lines[1]
    audit = ok(await stack.http.get(f"{run.url}/audit", headers=w.admin.auth))
    actions = [e["action"] for e in audit["entries"]]
    assert {"funding.requested", "funding.approved", "funding.settled"} <= set(actions)


async def test_a_refused_request_stops_the_case_before_assessment_and_withdrawal_gives_back(
    timed: tuple[Stack, Any],
) -> None:
    stack, env = timed
    w = await make_world(stack)
    ok(
        await stack.http.put(
            f"/centres/{w.centre_id}/prices/{w.standard.code}",
            json={"amount": 800_00, "funding_required": True},
            headers=w.admin.auth,
        )
    )
    funder_id, funds = await funder_staff(stack)
    programme = ok(
        await stack.http.post(
            f"/funders/{funder_id}/programmes",
            json={
                "name": "P",
                "budget": 5000_00,
                "decision_days": 7,
                "valid_until": (utcnow() + timedelta(days=365)).isoformat(),
            },
            headers=funds,
        ),
        201,
    )
    run = await new_case(w)
    ok(await run.identify())
    await run.add_default_evidence()
    ok(await run.assign())
    choice = {"sources": [{"kind": "programme", "programme_id": programme["id"]}]}
    ok(await stack.http.post(f"{run.url}/funding", json=choice, headers=run.candidate.auth))
    # The funder refuses: the budget is whole again, and the case cannot go on.
    ok(
        await stack.http.post(
            f"{run.url}/funding/decisions",
            json={"programme_id": programme["id"], "approve": False, "reason": "out of scope"},
            headers=funds,
        )
    )
    view = ok(await stack.http.get(f"{run.url}/status", headers=run.candidate.auth))
    assert view["funding"]["status"] == "refused" and view["funding"]["reason"] == "out of scope"
    refused = await run.submit()
    assert refused.status_code == 422 and "the funding was refused" in refused.json()["detail"]
    listed = ok(await stack.http.get(f"/funders/{funder_id}/programmes", headers=funds))
    assert (listed[0]["available"], listed[0]["committed"]) == (5000_00, 0)
    # Asked again; the funder says nothing within its 7 days: refused, given back.
    ok(await stack.http.post(f"{run.url}/funding", json=choice, headers=run.candidate.auth))
    await env.sleep(timedelta(days=8))
    view = ok(await stack.http.get(f"{run.url}/status", headers=run.candidate.auth))
    assert view["funding"]["status"] == "refused"
    assert view["funding"]["reason"] == "no decision in time"
    # Self-payment, then the candidate withdraws: nothing was held, nothing is owed.
    ok(
        await stack.http.post(
            f"{run.url}/funding", json={"sources": [{"kind": "self"}]}, headers=run.candidate.auth
        )
    )
    ok(
        await stack.http.post(
            f"{run.url}/withdrawal", json={"reason": "moving abroad"}, headers=run.candidate.auth
        )
    )
    view = ok(await stack.http.get(f"{run.url}/status", headers=run.candidate.auth))
    assert view["funding"]["status"] == "released"
    listed = ok(await stack.http.get(f"/funders/{funder_id}/programmes", headers=funds))
    assert (listed[0]["available"], listed[0]["committed"]) == (5000_00, 0)


async def test_a_withdrawal_pays_the_centre_the_stages_it_completed_and_gives_back_the_rest(
    stack: Stack,
) -> None:
    """A price per stage: a case withdrawn in documentation owes the centre its
    identification; each source pays its part of that (a programme only if its rules say
    so), the rest returns to the account and the budget."""
    w = await make_world(stack)
    ok(
        await stack.http.put(
            f"/centres/{w.centre_id}/prices/{w.standard.code}",
            json={
                "stages": {
                    "identification": 200_00,
                    "documentation": 100_00,
                    "assessment": 600_00,
                    "certification": 100_00,
                },
                "funding_required": True,
            },
            headers=w.admin.auth,
        )
    )
    funder_id, funds = await funder_staff(stack)
    valid = (utcnow() + timedelta(days=365)).isoformat()

    async def programme(pays: bool) -> dict[str, Any]:
        return ok(
            await stack.http.post(
                f"/funders/{funder_id}/programmes",
                json={
                    "name": f"P {pays}",
                    "budget": 5000_00,
                    "share_percent": 50,
                    "auto_approve": True,
                    "pays_completed_stages": pays,
                    "valid_until": valid,
                },
                headers=funds,
            ),
            201,
        )

    pays, keeps = await programme(True), await programme(False)
    for chosen in (pays, keeps):
        run = await new_case(w)
        ok(
            await stack.http.post(
                f"/funders/{funder_id}/grants",
                json=_grant(await _email(stack, run.candidate), amount=1000_00),
                headers=funds,
            ),
            201,
        )
        ok(await run.identify())  # identification completed: 200.00 owed if withdrawn now
        view = ok(
            await stack.http.post(
                f"{run.url}/funding",
                json={
                    "sources": [
                        {"kind": "programme", "programme_id": chosen["id"]},
                        {"kind": "account"},
                    ]
                },
                headers=run.candidate.auth,
            )
        )
        assert view["funding"]["status"] == "approved"  # by the programme's rules
        ok(
            await stack.http.post(
                f"{run.url}/withdrawal", json={"reason": "a new job"}, headers=run.candidate.auth
            )
        )
        view = ok(await stack.http.get(f"{run.url}/status", headers=run.candidate.auth))
        paid = {s["kind"]: s["paid"] for s in view["funding"]["sources"]}
        expected_programme = 100_00 if chosen is pays else 0
        assert paid == {"programme": expected_programme, "account": 100_00}, paid
        account = ok(await stack.http.get("/me/learning-account", headers=run.candidate.auth))
        assert account["balances"] == {"PLN": 900_00} and account["held"] == {"PLN": 0}
    listed = {
        p["id"]: p
        for p in ok(await stack.http.get(f"/funders/{funder_id}/programmes", headers=funds))
    }
    assert (listed[pays["id"]]["available"], listed[pays["id"]]["committed"]) == (4900_00, 0)
    assert (listed[keeps["id"]]["available"], listed[keeps["id"]]["committed"]) == (5000_00, 0)
    async with stack.sessions() as session:  # type: ignore[operator]
        from vnfil.funding import ledger as books

        centre = await books.account(session, books.CENTRE, w.centre_id, "PLN")
        assert centre.balance == 100_00 + 100_00 + 0 + 100_00  # both cases' shares paid


async def test_a_standard_may_require_funding_at_every_centre(stack: Stack) -> None:
    doc = sample_document("digital-collaboration").model_copy(
        update={"code": f"dc-funded-{uuid.uuid4().hex[:6]}", "funding_required": True}
    )
    w = await make_world(stack, doc)
    ok(
        await stack.http.put(
            f"/centres/{w.centre_id}/prices/{doc.code}",
            json={"amount": 300_00},
            headers=w.admin.auth,
        )
    )
    run = await new_case(w)
    ok(await run.identify())
    await run.add_default_evidence()
    refused = await run.submit()
    assert refused.status_code == 422 and "choose who pays first" in refused.json()["detail"]
    ok(
        await stack.http.post(
            f"{run.url}/funding", json={"sources": [{"kind": "self"}]}, headers=run.candidate.auth
        )
    )
    ok(await run.submit())
