"""The learner's backpack: every credential a person holds across centres and awarding
bodies, the signed file itself, share links (named, limited in time, revocable, showing
only what the holder chose) and the switch that hides a credential's public page."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

from sqlalchemy import update

from tests.conftest import Stack
from tests.factories import certified_case, make_world, ok, signed_in
from vnfil.credentials.models import CredentialShare


async def test_a_person_holds_credentials_from_two_centres_and_shares_them(stack: Stack) -> None:
    a, b = await make_world(stack), await make_world(stack)
    run, first = await certified_case(a)
    _, second = await certified_case(b, run.candidate)
    me = run.candidate.auth
    held = ok(await a.http.get("/me/credentials", headers=me))
    assert {c["id"] for c in held} == {first["credential_id"], second["credential_id"]}
    bodies = {c["awarding_body"] for c in held}
    assert len(bodies) == 2 and all(c["centre"] for c in held)
    # Nobody else sees them: another candidate's backpack is empty.
    other, _ = await certified_case(a)
    theirs = ok(await a.http.get("/me/credentials", headers=other.candidate.auth))
    assert first["credential_id"] not in {c["id"] for c in theirs}

    # The signed file itself, as verifiers take it.
    item = next(c for c in held if c["id"] == first["credential_id"])
    signed = await a.http.get(item["json_url"], headers=me)
    assert signed.status_code == 200
    assert ok(await a.http.post("/verify", content=signed.content))["verified"] is True
    pdf = await a.http.get(item["pdf_url"], headers=me)
    assert pdf.content.startswith(b"%PDF")
    # LinkedIn's own form, filled in, pointing at the public page.
    form = parse_qs(urlparse(item["linkedin_url"]).query)
    assert form["startTask"] == ["CERTIFICATION_NAME"] and form["certUrl"] == [
        item["verification_url"]
    ]
    assert form["name"] == [signed.json()["name"]] and form["issueYear"][0].isdigit()

    # A link without the outcomes and the evidence, for a week.
    until = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    share = ok(
        await a.http.post(
            f"/me/credentials/{item['id']}/shares",
            json={
                "name": "Acme recruitment",
                "expires_at": until,
                "hide": ["outcomes", "evidence"],
            },
            headers=me,
        ),
        201,
    )
    token = share["url"].rsplit("/", 1)[1]
    page = await a.http.get(f"/shared/{token}")  # anyone, signed in or not
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Valid credential" in text and "Acme recruitment" in text
    assert "without: evidence, outcomes" in text
    assert "Learning outcomes achieved" not in text and 'id="evidence"' not in text
    assert 'id="download"' not in text
    # Nor the credential's id, which would lead to its public page with all of it.
    assert item["id"] not in text
    as_json = ok(await a.http.get(f"/shared/{token}", headers={"Accept": "application/json"}))
    assert as_json["verified"] is True and as_json["credential_id"] is None
    # Kept by nobody on the way, and found by no search engine.
    assert page.headers["cache-control"] == "no-store" and "noindex" in page.headers["x-robots-tag"]
    refused = await a.http.get(f"/shared/{token}/credential.json")
    assert refused.status_code == 403 and "leaves parts of the credential out" in refused.text
    # A link that leaves nothing out offers the signed file, and shows all of it.
    whole = ok(
        await a.http.post(
            f"/me/credentials/{item['id']}/shares", json={"name": "my portfolio"}, headers=me
        ),
        201,
    )
    whole_token = whole["url"].rsplit("/", 1)[1]
    whole_page = html.unescape((await a.http.get(f"/shared/{whole_token}")).text)
    assert "Learning outcomes achieved" in whole_page and 'id="evidence"' in whole_page
    # The public page stays as it was: no evidence names, nothing the holder did not choose.
    public = html.unescape((await a.http.get(f"/credentials/{item['id']}/verification")).text)
    assert "Valid credential" in public and 'id="evidence"' not in public
    file = await a.http.get(f"/shared/{whole_token}/credential.json")
    assert file.status_code == 200 and json.loads(file.content) == signed.json()
    # Listed, with the visits counted; the token itself is kept nowhere readable.
    listed = next(
        c for c in ok(await a.http.get("/me/credentials", headers=me)) if c["id"] == item["id"]
    )
    views = {s["name"]: s["views"] for s in listed["shares"]}
    assert views == {"Acme recruitment": 3, "my portfolio": 2}  # page, JSON, the file it refused
    assert token not in json.dumps(listed)

    # Withdrawn: at once, and for good.
    gone = await a.http.delete(f"/me/credentials/{item['id']}/shares/{share['id']}", headers=me)
    assert gone.status_code == 204
    after = await a.http.get(f"/shared/{token}", headers={"Accept": "application/json"})
    assert after.status_code == 410 and "withdrawn this link" in after.json()["detail"]
    in_a_browser = await a.http.get(f"/shared/{token}", headers={"Accept": "text/html"})
    assert in_a_browser.status_code == 410 and "This link shows nothing" in in_a_browser.text
    # Expired: the same, with its own reason.
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        await session.execute(
            update(CredentialShare)
            .where(CredentialShare.id == whole["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    expired = await a.http.get(f"/shared/{whole_token}/credential.json")
    assert expired.status_code == 410 and "expired" in expired.json()["detail"]
    assert (await a.http.get("/shared/shr_nothing_like_it")).status_code == 404
    # Someone else's credential is not theirs to share, nor a date already past.
    for_other = await a.http.post(
        f"/me/credentials/{item['id']}/shares", json={"name": "x"}, headers=other.candidate.auth
    )
    assert for_other.status_code == 404
    past = await a.http.post(
        f"/me/credentials/{item['id']}/shares",
        json={"name": "x", "expires_at": "2020-01-01T00:00:00Z"},
        headers=me,
    )
    assert past.status_code == 422 and "would end before it starts" in past.json()["detail"]
    for edge in ("9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "2100-01-01T00:00:00"):
        r = await a.http.post(
            f"/me/credentials/{item['id']}/shares",
            json={"name": "x", "expires_at": edge},
            headers=me,
        )
        assert r.status_code == 422, (edge, r.text)

    # A revoked credential's link says so.
    ok(
        await a.http.post(
            f"/credentials/{item['id']}/revocation",
            json={"reason": "issued in error"},
            headers=a.admin.auth,
        )
    )
    last = ok(
        await a.http.post(f"/me/credentials/{item['id']}/shares", json={"name": "y"}, headers=me),
        201,
    )
    revoked_page = await a.http.get(last["url"].replace(stack.settings.public_base_url, ""))
    assert "Not valid" in html.unescape(revoked_page.text)
    # Nor does the backpack offer to put a revoked credential on a LinkedIn profile.
    async with signed_in(stack, run.candidate, "backpack password 2") as browser:
        page = (await browser.get("/app/backpack?lang=en")).text
    card = page.split(f'data-credential="{item["id"]}"')[1].split("</section>")[0]
    assert "revoked on" in card and "linkedin.com" not in card


async def test_the_holder_hides_the_public_page_and_the_credential_still_verifies(
    stack: Stack,
) -> None:
    w = await make_world(stack)
    run, status = await certified_case(w)
    cred_id = status["credential_id"]
    page = f"/credentials/{cred_id}/verification"
    assert (await w.http.get(page)).status_code == 200
    hidden = ok(
        await w.http.put(
            f"/me/credentials/{cred_id}/public-page",
            json={"public": False},
            headers=run.candidate.auth,
        )
    )
    assert hidden["public_page"] is False
    shown = await w.http.get(page)
    assert shown.status_code == 404 and "Not shown here" in shown.text
    assert (await w.http.get(page, headers={"Accept": "application/json"})).status_code == 404
    document = ok(await w.http.get(f"/credentials/{cred_id}", headers=run.candidate.auth))
    assert ok(await w.http.post("/verify", json=document["document"]))["verified"] is True
    # Only its holder switches it: not the centre, not the issuer.
    for staff in (w.admin, w.issuer):
        r = await w.http.put(
            f"/me/credentials/{cred_id}/public-page", json={"public": True}, headers=staff.auth
        )
        assert r.status_code == 404
    ok(
        await w.http.put(
            f"/me/credentials/{cred_id}/public-page",
            json={"public": True},
            headers=run.candidate.auth,
        )
    )
    assert (await w.http.get(page)).status_code == 200


async def test_the_backpack_page_in_both_languages(stack: Stack) -> None:
    w = await make_world(stack)
    run, status = await certified_case(w)
    async with signed_in(stack, run.candidate, "backpack password 1") as browser:
        english = await browser.get("/app/backpack?lang=en")
        assert english.status_code == 200
        assert f'data-credential="{status["credential_id"]}"' in english.text
        assert "Signed credential (JSON, for a wallet)" in english.text
        assert "linkedin.com/profile/add" in english.text
        polish = await browser.get("/app/backpack?lang=pl")
        assert "Moje poświadczenia" in polish.text and "Utwórz link" in polish.text
        assert 'id="backpack-link"' in polish.text
