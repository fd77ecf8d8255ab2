"""Employer cohorts through the API: an employer enrols employees for a standard at a
centre and funds them from its programme; it sees the cohort only in counts, and each
credential only while its holder consents."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from tests.conftest import Stack
from tests.factories import CaseRun, Person, World, funder_staff, make_world, ok
from vnfil.accounts.models import Notification
from vnfil.cases.models import Case
from vnfil.funding.models import CohortMember
from vnfil.platform.db import utcnow


async def _employee(stack: Stack, name: str, lang: str = "en") -> tuple[Person, str]:
    email = f"emp-{uuid.uuid4().hex[:10]}@stocznia.example"
    made = ok(
        await stack.http.post(
            "/users/register",
            json={"name": name, "email": email},
            headers={"Accept-Language": lang},
        ),
        201,
    )
    return Person(made["id"], made["token"], "candidate"), email


async def _employer(stack: Stack, w: World) -> tuple[str, dict[str, str], dict[str, Any]]:
    """An employer with a programme funding the world's standard (approved by its rules)."""
    ok(
        await stack.http.put(
            f"/centres/{w.centre_id}/prices/{w.standard.code}",
            json={"amount": 1000_00},
            headers=w.admin.auth,
        )
    )
    funder_id, funds = await funder_staff(stack, "Stocznia Północna S.A.", kind="employer")
    programme = ok(
        await stack.http.post(
            f"/funders/{funder_id}/programmes",
            json={
                "name": "Walidacja spawaczy 2027",
                "budget": 10_000_00,
                "standard_codes": [w.standard.code],
                "auto_approve": True,
                "valid_until": (utcnow() + timedelta(days=365)).isoformat(),
            },
            headers=funds,
        ),
        201,
    )
    return funder_id, funds, programme


def _cohort_body(w: World, programme_id: str, **kw: Any) -> dict[str, Any]:
    return {
        "name": kw.pop("name", "Spawacze, hala B"),
        "standard_id": kw.pop("standard_id", w.standard_id),
        "centre_id": kw.pop("centre_id", w.centre_id),
        "programme_id": programme_id,
    }


async def test_a_cohort_is_funded_counted_and_shares_credentials_only_with_consent(
    stack: Stack,
) -> None:
    w = await make_world(stack)
    funder_id, funds, programme = await _employer(stack, w)
    cohort = ok(
        await stack.http.post(
            f"/funders/{funder_id}/cohorts", json=_cohort_body(w, programme["id"]), headers=funds
        ),
        201,
    )
    base = f"/funders/{funder_id}/cohorts/{cohort['id']}"
    names = ("Bartosz Spawalski", "Celina Nitowska", "Dariusz Szlifierz")
    people = [
        await _employee(stack, n, lang) for n, lang in zip(names, ("en", "en", "pl"), strict=True)
    ]
    (bartosz, bartosz_email), (celina, celina_email), (dariusz, dariusz_email) = people
    emails = [e for _, e in people]
    invited = ok(
        await stack.http.post(
            f"{base}/members", json={"emails": [*emails, emails[0].upper()]}, headers=funds
        )
    )
    assert invited == {"invited": 3, "already": 0}
    again = ok(await stack.http.post(f"{base}/members", json={"emails": emails}, headers=funds))
    assert again == {"invited": 0, "already": 3}  # the same list again: nobody twice
    bad = await stack.http.post(
        f"{base}/members", json={"emails": ["not-an-address"]}, headers=funds
    )
    assert bad.status_code == 422
    # Each employee has the invitation among their messages.
    notes = ok(await stack.http.get("/me/notifications", headers=bartosz.auth))
    invitation = [n for n in notes if n["template"] == "cohort-invitation"]
    assert len(invitation) == 1 and "Stocznia Północna S.A." in invitation[0]["subject"]
    assert "Spawacze, hala B" in invitation[0]["body"]
    assert "only if you agree" in invitation[0]["body"]
    assert "Dzień dobry" not in invitation[0]["body"]  # in his language only
    polish = ok(await stack.http.get("/me/notifications", headers=dariusz.auth))
    assert [n["subject"] for n in polish if n["template"] == "cohort-invitation"] == [
        "Stocznia Północna S.A. zaprasza do grupowej walidacji: Spawacze, hala B"
    ]
    # Someone without an account yet is written to at the address, in English and Polish.
    newcomer = f"new-{uuid.uuid4().hex[:8]}@stocznia.example"
    assert ok(
        await stack.http.post(f"{base}/members", json={"emails": [newcomer]}, headers=funds)
    ) == {"invited": 1, "already": 0}
    async with stack.sessions() as session:  # type: ignore[operator]
        row = await session.scalar(
            select(Notification).where(Notification.recipient_email == newcomer)
        )
    assert row is not None and row.recipient_id is None
    assert "only if you agree" in row.body and "tylko za Twoją zgodą" in row.body

    progress = ok(await stack.http.get(base, headers=funds))
    assert (progress["invited"], progress["joined"], progress["not_joined"]) == (4, 0, 4)
    assert progress["funding"]["paid"] == 0 and progress["funding"]["committed_amount"] == 0

    mine = ok(await stack.http.get("/me/cohorts", headers=bartosz.auth))
    assert [(c["cohort_id"], c["case_id"], c["employer"]) for c in mine] == [
        (cohort["id"], None, "Stocznia Północna S.A.")
    ]
    assert mine[0]["programme_id"] == programme["id"] and mine[0]["share_credential"] is False

    # Someone not invited cannot join (nor see the cohort); in Polish too.
    stranger, _ = await _employee(stack, "Ewa Obca")
    assert ok(await stack.http.get("/me/cohorts", headers=stranger.auth)) == []
    refused = await stack.http.post(f"/me/cohorts/{cohort['id']}/join", headers=stranger.auth)
    assert refused.status_code == 404 and "not invited to this cohort" in refused.json()["detail"]
    polish = await stack.http.post(
        f"/me/cohorts/{cohort['id']}/join", headers={**stranger.auth, "Accept-Language": "pl"}
    )
    assert "nie masz zaproszenia do tej grupy" in polish.json()["detail"]
    early = await stack.http.put(
        f"/me/cohorts/{cohort['id']}/consent", json={"share_credential": True}, headers=dariusz.auth
    )
    assert early.status_code == 409 and "join the cohort first" in early.json()["detail"]

    # Bartosz joins twice at once, then again: one case.
    tries = await asyncio.gather(
        *(
            stack.http.post(f"/me/cohorts/{cohort['id']}/join", headers=bartosz.auth)
            for _ in range(2)
        )
    )
    assert {r.status_code for r in tries} <= {200, 409} and 200 in {r.status_code for r in tries}
    joined = ok(await stack.http.post(f"/me/cohorts/{cohort['id']}/join", headers=bartosz.auth))
    assert {r.json()["case_id"] for r in tries if r.status_code == 200} == {joined["case_id"]}
    async with stack.sessions() as session:  # type: ignore[operator]
        cases = await session.scalar(
            select(func.count()).select_from(Case).where(Case.candidate_id == bartosz.id)
        )
    assert cases == 1
    run = CaseRun(w, bartosz, joined["case_id"])
    celina_case = ok(await stack.http.post(f"/me/cohorts/{cohort['id']}/join", headers=celina.auth))
    celina_run = CaseRun(w, celina, celina_case["case_id"])

    # Bartosz's case is funded from the employer's programme, and runs to its credential.
    ok(await run.identify())
    choice = {"sources": [{"kind": "programme", "programme_id": programme["id"]}]}
    funded = ok(await stack.http.post(f"{run.url}/funding", json=choice, headers=bartosz.auth))
    assert funded["funding"]["status"] == "approved"
    assert [(s["kind"], s["amount"]) for s in funded["funding"]["sources"]] == [
        ("programme", 1000_00)
    ]
    # The employer's pool pays for its cohort's cases only: the stranger's own case cannot.
    outsider = CaseRun(w, stranger, await w.open_case(stranger))
    ok(await outsider.identify())
    drained = await stack.http.post(f"{outsider.url}/funding", json=choice, headers=stranger.auth)
    assert drained.status_code == 403
    assert "funds only the cases of its cohorts' members" in drained.json()["detail"]
    await run.add_default_evidence()
    ok(await run.assign())
    ok(await run.submit())
    ok(await run.verify_identity())
    ok(await run.decide(run.assessors[0]))
    ok(await run.decide(run.assessors[1]))
    ok(await run.accept())
    certified = ok(await run.certify())
    credential_id = certified["credential_id"]
    assert (
        ok(await stack.http.get(f"{run.url}/status", headers=bartosz.auth))["funding"]["status"]
        == "settled"
    )
    listed = ok(await stack.http.get(f"/funders/{funder_id}/programmes", headers=funds))
    assert (listed[0]["available"], listed[0]["committed"]) == (9000_00, 0)
    # Celina is in documentation; Dariusz joins and withdraws.
    ok(await celina_run.identify())
    ok(await stack.http.post(f"{celina_run.url}/funding", json=choice, headers=celina.auth))
    # Dariusz's join is under way elsewhere: he is asked to wait, not given a second case.
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        member = await session.scalar(
            select(CohortMember).where(CohortMember.email == dariusz_email)
        )
        assert member is not None
        member.joined_at, member.user_id = utcnow(), dariusz.id
    busy = await stack.http.post(f"/me/cohorts/{cohort['id']}/join", headers=dariusz.auth)
    assert busy.status_code == 409 and "joining this cohort already" in busy.json()["detail"]
    # That join stopped after opening his case: joining later records that case, no other.
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        member = await session.get(CohortMember, member.id)
        assert member is not None
        member.joined_at = utcnow() - timedelta(minutes=3)
    opened = await w.open_case(dariusz)
    dariusz_case = ok(
        await stack.http.post(f"/me/cohorts/{cohort['id']}/join", headers=dariusz.auth)
    )
    assert dariusz_case["case_id"] == opened
    ok(
        await stack.http.post(
            f"/cases/{dariusz_case['case_id']}/withdrawal",
            json={"reason": "changing jobs"},
            headers=dariusz.auth,
        )
    )

    progress = ok(await stack.http.get(base, headers=funds))
    assert {k: progress[k] for k in ("invited", "joined", "not_joined")} == {
        "invited": 4,
        "joined": 3,
        "not_joined": 1,
    }
    assert progress["in_progress"] == {
        "identification": 0,
        "documentation": 1,
        "assessment": 0,
        "certification": 0,
    }
    assert (progress["certified"], progress["not_validated"]) == (1, 0)
    assert (progress["withdrawn"], progress["expired"], progress["consented"]) == (1, 0, 0)
    assert progress["funding"] == {
        "unit": "PLN",
        "awaiting_decision": 0,
        "approved": 1,
        "paid": 1,
        "committed_amount": 1000_00,
        "paid_amount": 1000_00,
    }
    # Without Bartosz's consent the employer receives no credential, and no name anywhere.
    shared = await stack.http.get(f"{base}/credentials", headers=funds)
    assert ok(shared) == []
    for answer in (progress, shared.json()):
        text = str(answer)
        assert not any(n in text for n in names) and not any(e in text for e in emails)
        assert run.case_id not in text

    # He consents: the employer receives his signed credential, which verifies.
    consent = ok(
        await stack.http.put(
            f"/me/cohorts/{cohort['id']}/consent",
            json={"share_credential": True},
            headers=bartosz.auth,
        )
    )
    assert consent["share_credential"] is True and consent["consent_at"]
    shared = ok(await stack.http.get(f"{base}/credentials", headers=funds))
    assert [(c["credential_id"], c["holder_name"], c["case_id"]) for c in shared] == [
        (credential_id, "Bartosz Spawalski", run.case_id)
    ]
    assert ok(await stack.http.post("/verify", json=shared[0]["document"]))["verified"] is True
    assert ok(await stack.http.get(base, headers=funds))["consented"] == 1
    # Celina's consent shares nothing yet: her case is not certified.
    ok(
        await stack.http.put(
            f"/me/cohorts/{cohort['id']}/consent",
            json={"share_credential": True},
            headers=celina.auth,
        )
    )
    assert len(ok(await stack.http.get(f"{base}/credentials", headers=funds))) == 1

    # Another employer sees nothing of this cohort.
    other_id, other = await funder_staff(stack, kind="employer")
    for path in (base, f"{base}/credentials"):
        assert (await stack.http.get(path, headers=other)).status_code == 403
        mirrored = path.replace(funder_id, other_id)
        assert (await stack.http.get(mirrored, headers=other)).status_code == 404
    assert (
        await stack.http.post(f"{base}/members", json={"emails": ["x@y.example"]}, headers=other)
    ).status_code == 403

    # He withdraws his consent: the credential is gone from the employer's list.
    withdrawn = ok(
        await stack.http.put(
            f"/me/cohorts/{cohort['id']}/consent",
            json={"share_credential": False},
            headers=bartosz.auth,
        )
    )
    assert withdrawn["share_credential"] is False and withdrawn["consent_withdrawn_at"]
    assert ok(await stack.http.get(f"{base}/credentials", headers=funds)) == []
    assert ok(await stack.http.get(base, headers=funds))["consented"] == 1  # Celina's
    # His own view of his cohorts says so, and the credential is still his.
    mine = ok(await stack.http.get("/me/cohorts", headers=bartosz.auth))
    assert mine[0]["case_id"] == run.case_id and mine[0]["share_credential"] is False
    backpack = ok(await stack.http.get("/me/credentials", headers=bartosz.auth))
    assert credential_id in str(backpack)


async def test_only_an_employer_makes_cohorts_of_its_programme_at_an_accredited_centre(
    stack: Stack,
) -> None:
    w = await make_world(stack)
    funder_id, funds, programme = await _employer(stack, w)
    public_id, public = await funder_staff(stack, "KFS")
    not_employer = await stack.http.post(
        f"/funders/{public_id}/cohorts", json=_cohort_body(w, programme["id"]), headers=public
    )
    assert not_employer.status_code == 403
    assert "only an employer enrols its employees" in not_employer.json()["detail"]
    polish = await stack.http.post(
        f"/funders/{public_id}/cohorts",
        json=_cohort_body(w, programme["id"]),
        headers={**public, "Accept-Language": "pl"},
    )
    assert "tylko pracodawca" in polish.json()["detail"]
    # Another funder's staff, for this employer: refused.
    assert (
        await stack.http.post(
            f"/funders/{funder_id}/cohorts", json=_cohort_body(w, programme["id"]), headers=public
        )
    ).status_code == 403
    # A programme that is not the employer's own.
    other_id, other_funds, other_programme = await _employer(stack, w)
    foreign = await stack.http.post(
        f"/funders/{funder_id}/cohorts", json=_cohort_body(w, other_programme["id"]), headers=funds
    )
    assert foreign.status_code == 404 and "of yours" in foreign.json()["detail"]
    # A centre not accredited for the standard.
    elsewhere = await make_world(stack)
    unaccredited = await stack.http.post(
        f"/funders/{funder_id}/cohorts",
        json=_cohort_body(w, programme["id"], centre_id=elsewhere.centre_id),
        headers=funds,
    )
    assert unaccredited.status_code == 409
    assert "cannot validate this standard" in unaccredited.json()["detail"]
    # A standard the programme does not fund.
    unfunded = await stack.http.post(
        f"/funders/{funder_id}/cohorts",
        json=_cohort_body(elsewhere, programme["id"], centre_id=elsewhere.centre_id),
        headers=funds,
    )
    assert unfunded.status_code == 422 and "does not fund" in unfunded.json()["detail"]
    for bad in ({"name": ""}, {"name": "x\x00"}, {"standard_id": "../x"}):
        r = await stack.http.post(
            f"/funders/{funder_id}/cohorts",
            json={**_cohort_body(w, programme["id"]), **bad},
            headers=funds,
        )
        assert r.status_code == 422, (bad, r.text)
    made = ok(
        await stack.http.post(
            f"/funders/{funder_id}/cohorts", json=_cohort_body(w, programme["id"]), headers=funds
        ),
        201,
    )
    assert [
        c["id"] for c in ok(await stack.http.get(f"/funders/{funder_id}/cohorts", headers=funds))
    ] == [made["id"]]
    missing = await stack.http.get(f"/funders/{funder_id}/cohorts/no-such-cohort", headers=funds)
    assert missing.status_code == 404
