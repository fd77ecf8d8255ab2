"""The server-rendered pages over HTTP: sign-in by form, who sees which page, filters,
CSV, invitations and registration, both languages, and the sign-in throttle."""

from __future__ import annotations

import csv
import html
import io
import re
import uuid
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, get_args

import httpx

from api.routes.auth import CROSS_SITE, LOGIN_CSRF_COOKIE, STALE_FORM
from tests.conftest import Stack
from tests.factories import (
    Person,
    browser_client,
    certified_case,
    invited,
    make_world,
    new_case,
    ok,
    operator,
    registered,
)
from vnfil.accounts.models import Centre, User
from vnfil.accounts.schemas import Role
from vnfil.cases.models import Case
from vnfil.cases.schemas import CaseState, CounsellingInput, IdentityCheckInput, Result
from vnfil.credentials.models import Credential
from vnfil.evidence.schemas import EvidenceKind
from vnfil.platform.db import utcnow
from vnfil.platform.i18n import ENUMS, TEXT
from vnfil.standards.models import Standard
from vnfil.standards.schemas import AssessmentMethod

PASSWORD = "pages password 12"


async def _form_token(browser: httpx.AsyncClient) -> str:
    """The sign-in page's CSRF token (its cookie lands in the browser's jar)."""
    page = await browser.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found and browser.cookies.get(LOGIN_CSRF_COOKIE) == found.group(1)
    return found.group(1)


async def _sign_in_form(browser: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    token = await _form_token(browser)
    return await browser.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )


async def _signed_in(stack: Stack, w: object, person: Person) -> httpx.AsyncClient:
    http = stack.http
    me = ok(await http.get("/me", headers=person.auth))
    r = await http.put("/me/password", json={"new_password": PASSWORD}, headers=person.auth)
    assert r.status_code == 204
    browser = browser_client(stack)
    r = await _sign_in_form(browser, me["email"], PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/app", r.text
    return browser


def test_every_word_has_english_and_polish() -> None:
    for key, (en, pl) in TEXT.items():
        assert en.strip() and pl.strip(), key


async def test_pages_show_each_person_only_their_own(stack: Stack) -> None:
    a, b = await make_world(stack), await make_world(stack)
    run, status = await certified_case(a)
    sub = ok(
        await a.http.post("/webhooks", json={"url": "http://127.0.0.1:9/x"}, headers=a.issuer.auth),
        201,
    )
    admin_a = await _signed_in(stack, a, a.admin)
    admin_b = await _signed_in(stack, b, b.admin)
    issuer_b = await _signed_in(stack, b, b.issuer)
    candidate = await _signed_in(stack, a, run.candidate)
    try:
        # Not signed in: sent to sign in.
        async with browser_client(stack) as anonymous:
            r = await anonymous.get(f"/app/cases/{run.case_id}")
            assert r.status_code == 303
            assert r.headers["location"] == f"/login?next=%2Fapp%2Fcases%2F{run.case_id}"
        # The centre sees its case, certified, with the audit trail; B's admin does not.
        page = await admin_a.get(f"/app/cases/{run.case_id}")
        assert (
            page.status_code == 200
            and "Completed" in page.text
            and "credential issued" in page.text
        )
        assert (await admin_b.get(f"/app/cases/{run.case_id}")).status_code == 404
        dashboard = await admin_a.get("/app?state=completed")
        assert run.case_id in dashboard.text and "Cases per stage" in dashboard.text
        assert run.case_id not in (await admin_a.get("/app?state=open")).text
        assert run.case_id not in (await admin_b.get("/app")).text
        rows = list(csv.DictReader(io.StringIO((await admin_a.get("/app/cases.csv")).text)))
        assert [r["case_id"] for r in rows if r["case_id"] == run.case_id] == [run.case_id]
        assert not any(
            r["case_id"] == run.case_id
            for r in csv.DictReader(io.StringIO((await admin_b.get("/app/cases.csv")).text))
        )
        assert (await candidate.get("/app/cases.csv")).status_code == 403
        # The candidate's page: the certificate and the public verification link.
        mine = await candidate.get(f"/app/cases/{run.case_id}")
        assert f"/credentials/{status['credential_id']}/certificate.pdf" in mine.text
        assert "credential issued" not in mine.text  # the audit trail is for staff
        # Another issuer's delivery log is not there for them.
        assert (await issuer_b.get(f"/app/webhooks/{sub['id']}")).status_code == 404
        assert "Issued credentials" in (await issuer_b.get("/app")).text
        # Polish.
        pl = await candidate.get("/app?lang=pl")
        assert "Moje sprawy" in pl.text and 'lang="pl"' in pl.text
        assert "Moje sprawy" in (await candidate.get("/app")).text  # remembered
    finally:
        for client in (admin_a, admin_b, issuer_b, candidate):
            await client.aclose()


async def test_registration_and_invitation_pages(stack: Stack) -> None:
    w = await make_world(stack)
    async with browser_client(stack) as anonymous:
        page = await anonymous.get("/register")
        assert page.status_code == 200 and 'data-api="/users/register"' in page.text
        email = f"new-{uuid.uuid4().hex[:8]}@test.example"
        _, token = await invited(stack, w, email, "supervisor")
        page = await anonymous.get(f"/invitations/{token}")
        assert page.status_code == 200 and email in page.text and "supervisor" in page.text
        assert 'name="name"' in page.text  # a newcomer chooses a name
        ok(
            await anonymous.post(
                f"/invitations/{token}/acceptance",
                json={"name": "Ewa Nowak", "password": PASSWORD},
            ),
            201,
        )
        assert "already accepted" in (await anonymous.get(f"/invitations/{token}")).text
        assert (await anonymous.get("/invitations/inv_nope")).status_code == 404
        assert (await anonymous.get("/login?lang=pl")).text.count("Zaloguj się") >= 1


async def test_sign_in_is_throttled_after_five_failures(stack: Stack) -> None:
    email = await registered(stack, PASSWORD)
    async with browser_client(stack) as browser:
        for _ in range(5):
            r = await browser.post("/auth/login", json={"email": email, "password": "wrong guess!"})
            assert r.status_code == 401
        r = await browser.post("/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 429
        r = await _sign_in_form(browser, email, PASSWORD)
        assert r.headers["location"] == "/login?throttled=1&next=%2Fapp"
        other = f"u-{uuid.uuid4().hex[:8]}@test.example"  # other accounts are not locked
        r = await browser.post("/auth/login", json={"email": other, "password": "wrong guess!"})
        assert r.status_code == 401


async def test_the_sign_in_form_refuses_cross_site_posts(stack: Stack) -> None:
    """Login CSRF: another site's page must not sign a visitor into the attacker's account."""
    email = await registered(stack, PASSWORD)
    async with browser_client(stack) as browser:
        token = await _form_token(browser)
        form = {"email": email, "password": PASSWORD, "csrf_token": token}
        for header in (
            {"Origin": "https://attacker.example"},
            {"Origin": "null"},  # a sandboxed frame
            {"Referer": "https://attacker.example/page"},
        ):
            r = await browser.post("/login", data=form, headers=header)
            assert (r.status_code, r.json()["detail"]) == (403, CROSS_SITE), header
        r = await browser.post(
            "/auth/login",
            json={"email": email, "password": PASSWORD},
            headers={"Origin": "https://attacker.example"},
        )
        assert (r.status_code, r.json()["detail"]) == (403, CROSS_SITE)
        # No Origin (an old browser): the form's token must match its cookie.
        r = await browser.post("/login", data={**form, "csrf_token": "forged-by-another-site"})
        assert (r.status_code, r.json()["detail"]) == (403, STALE_FORM)
        r = await browser.post("/login", data={"email": email, "password": PASSWORD})
        assert (r.status_code, r.json()["detail"]) == (403, STALE_FORM)
        assert (await browser.get("/me")).status_code == 401  # none of these signed in
        # From the site's own page: signed in.
        r = await browser.post("/login", data=form, headers={"Origin": "http://testserver"})
        assert r.status_code == 303 and r.headers["location"] == "/app", r.text
        assert ok(await browser.get("/me"))["email"] == email


async def test_security_headers_on_pages_json_and_https(stack: Stack) -> None:
    page = await stack.http.get("/login")
    api = await stack.http.get("/me")  # a JSON answer, a refusal too
    assert page.status_code == 200 and api.status_code == 401
    for r in (page, api):
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp
        assert "default-src 'self'" in csp and "object-src 'none'" in csp
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in r.headers  # plain http: no HSTS
    # The pages need no inline script: every script is a file of the site.
    scripts = re.findall(r"<script[^>]*>", page.text)
    assert scripts and all('src="/static/' in tag for tag in scripts), scripts
    # Under https (the request's or the public URL's): HSTS.
    async with httpx.AsyncClient(
        transport=stack.http._transport, base_url="https://testserver"
    ) as tls:
        r = await tls.get("/health")
        assert r.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_the_operator_and_issuer_pages_onboard_and_accredit(stack: Stack) -> None:
    w = await make_world(stack)
    op = await operator(stack)
    tag = uuid.uuid4().hex[:6]
    browser = await _signed_in(stack, w, op)
    issuer = await _signed_in(stack, w, w.issuer)
    try:
        page = await browser.get("/app")
        assert page.status_code == 200 and "New validation centre" in page.text
        assert "did:web:" in page.text  # every awarding body, by its DID
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert csrf
        # The page's form posts what POST /centres takes, with the session's CSRF token.
        made = ok(
            await browser.post(
                "/centres",
                json={"name": f"Centrum {tag}", "country": "PL", "region": "Śląskie"},
                headers={"X-CSRF-Token": csrf.group(1)},
            ),
            201,
        )
        page = await browser.get("/app")
        assert f"Centrum {tag}" in page.text and "Śląskie" in page.text
        assert f'data-api="/centres/{made["id"]}/invitations"' in page.text
        pl = await browser.get("/app?lang=pl")
        assert "Nowa instytucja walidująca" in pl.text and "Instytucje certyfikujące" in pl.text

        # The issuer's page lists its accreditations and offers to accredit the new centre
        # for its own codes only.
        mine = await issuer.get("/app")
        assert "Accredit a centre" in mine.text and f"Centrum {tag}" in mine.text
        assert f"<option>{w.standard.code}</option>" in mine.text
        flat = " ".join(mine.text.split())
        assert f'<td data-label="Standard">{w.standard.code}</td>' in flat
        assert '<td data-label="Status">active</td>' in flat and "Suspend" in mine.text
    finally:
        await browser.aclose()
        await issuer.aclose()


class _Text(HTMLParser):
    """The text a person reads in the page's own language: not scripts, not attributes,
    not what is marked as another language (a standard written in English, say) or as
    not to be translated (names, what people wrote)."""

    def __init__(self) -> None:
        super().__init__()
        self.langs: list[tuple[str, str | None]] = []
        self.parts: list[str] = []
        self.page_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        lang = named.get("lang")
        if tag == "html":
            self.page_lang = lang
        elif named.get("translate") == "no":  # a name, what a person wrote: as it is
            lang = "data"
        if tag not in ("br", "img", "input", "meta", "link", "hr"):
            self.langs.append((tag, lang))

    def handle_endtag(self, tag: str) -> None:
        while self.langs:
            if self.langs.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        tags = [t for t, _ in self.langs]
        declared = [lang for _, lang in self.langs if lang]
        if "script" in tags or "style" in tags or (declared and declared[-1] != self.page_lang):
            return
        self.parts.append(data)


def untranslated(html: str) -> list[str]:
    """English words of vnfil's own (phrases and enumeration values whose Polish differs)
    found in a Polish page's text."""
    reader = _Text()
    reader.feed(html)
    assert reader.page_lang == "pl"
    text = " ".join(" ".join(reader.parts).split())
    english = {en for en, pl in TEXT.values() if en != pl}
    english |= {en for kind in ENUMS.values() for en, pl in kind.values() if en != pl}
    english |= {  # the codes themselves, unless Polish writes them alike ("online")
        value for kind in ENUMS.values() for value, (_, pl) in kind.items() if value != pl
    }
    return sorted(
        phrase
        for phrase in english
        if "{" not in phrase and re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text)
    )


async def test_polish_pages_hold_no_english_of_vnfils_own(stack: Stack) -> None:
    w = await make_world(stack)
    run, _ = await certified_case(w)
    people = [w.admin, run.candidate, w.issuer]
    clients = [await _signed_in(stack, w, person) for person in people]
    try:
        for person, client in zip(people, clients, strict=True):
            for path in ("/app", f"/app/cases/{run.case_id}"):
                if person is w.issuer and path != "/app":
                    continue
                page = await client.get(f"{path}?lang=pl")
                assert page.status_code == 200, (path, page.text[:300])
                assert untranslated(page.text) == [], (person.role, path)
        admin_case = await clients[0].get(f"/app/cases/{run.case_id}?lang=pl")
        assert "poświadczenie wydane" in admin_case.text  # the audit trail, in words
        # The standard in the reader's language, as its awarding body gave it.
        polish = w.standard.translations["pl"]
        assert f'<h1 lang="pl">{polish.title}</h1>' in admin_case.text
        assert html.escape(polish.learning_outcomes["DC1"].statement) in admin_case.text
        assert polish.title in (await clients[1].get("/app?lang=pl")).text
        english = await clients[0].get(f"/app/cases/{run.case_id}?lang=en")
        assert f'<h1 lang="en">{w.standard.title}</h1>' in english.text
        assert polish.title not in english.text
        assert "administrator instytucji" in admin_case.text
        # The detector itself: an English word of vnfil's on a Polish page is found.
        assert untranslated('<html lang="pl"><p>Stan: completed, Sign out</p></html>') == [
            "Sign out",
            "completed",
        ]
        assert untranslated('<html lang="pl"><p lang="en">Sign out</p></html>') == []
        assert (
            untranslated('<html lang="pl"><p>Ośrodek <b translate="no">Centre</b></p></html>') == []
        )
        # Centres named in English, as another test's may be, are names, not words.
        async with w.sessions.begin() as session:
            session.add(Centre(name="Centre of Excellence", country="PL"))
        for client in (clients[1], clients[2]):  # the candidate's choice, the issuer's list
            page = await client.get("/app?lang=pl")
            assert "Centre of Excellence" in page.text and untranslated(page.text) == []
    finally:
        for client in clients:
            await client.aclose()


# Words a page may show as they are, in either language.
AS_IS = {
    "vnfil",
    "· vnfil",
    "HTTP",
    "URL",
    "DID",
    "UTC",
    "Skip to content / Przejdź do treści",
    "polski",  # each language by its own name, in either language
    "English",
}


def test_no_page_template_holds_words_outside_the_translation_table() -> None:
    """Every word a page shows comes through ``t(...)``: text between tags and the
    attributes people read (placeholder, aria-label, alt, title) hold none of their own."""
    found = []
    for template in sorted((Path(__file__).parent.parent / "vnfil/templates/pages").glob("*.j2")):
        source = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", template.read_text(), flags=re.S)
        source = re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.S)
        for attr in re.findall(r'(?:placeholder|aria-label|alt|title)="([^"]*)"', source):
            if re.search(r"[A-Za-z]{3,}", attr) and attr not in AS_IS and "://" not in attr:
                found.append(f"{template.name}: {attr}")
        for text in re.sub(r"<[^>]*>", "\n", source).splitlines():
            text = text.strip(" ·—()")
            if re.search(r"[A-Za-z]{2,}", text) and text not in AS_IS:
                found.append(f"{template.name}: {text}")
    assert found == []


def test_every_enumeration_value_has_words_in_both_languages() -> None:
    def values(model: type, field: str) -> set[str]:
        return set(get_args(model.model_fields[field].annotation))

    assert set(ENUMS["role"]) == {r.value for r in Role}
    assert set(ENUMS["evidence_kind"]) == {k.value for k in EvidenceKind}
    assert set(ENUMS["result"]) == {r.value for r in Result}
    assert set(ENUMS["state"]) == {s.value for s in CaseState}
    assert set(ENUMS["mode"]) == values(CounsellingInput, "mode") | values(
        IdentityCheckInput, "method"
    )
    assert set(ENUMS["document_type"]) == values(IdentityCheckInput, "document_type")
    assert set(ENUMS["method"]) == {m.value for m in AssessmentMethod}
    root = Path(__file__).parent.parent
    code = "".join(
        p.read_text() for p in [root / "workflows/case.py", *root.glob("activities/*.py")]
    )
    actions = set(re.findall(r'"([a-z]+\.[a-z]+(?:-[a-z]+)*)"', code))
    assert actions and actions <= set(ENUMS["audit"]), actions - set(ENUMS["audit"])
    for kind in ENUMS.values():
        for en, pl in kind.values():
            assert en.strip() and pl.strip()


async def test_signing_in_returns_to_the_page_and_only_to_this_site(stack: Stack) -> None:
    w = await make_world(stack)
    me = ok(await stack.http.get("/me", headers=w.admin.auth))
    r = await stack.http.put("/me/password", json={"new_password": PASSWORD}, headers=w.admin.auth)
    assert r.status_code == 204
    async with browser_client(stack) as browser:
        page = await browser.get("/login?expired=1&next=/app%3Fstate%3Dopen")
        assert "Your session has ended" in page.text
        assert 'name="next" value="/app?state=open"' in page.text
        for asked, lands in [
            ("/app?state=open", "/app?state=open"),
            ("//evil.example/app", "/app"),
            ("https://evil.example/app", "/app"),
            ("/app\\..\\evil", "/app"),
            ("/login", "/app"),
        ]:
            token = await _form_token(browser)
            r = await browser.post(
                "/login",
                data={
                    "email": me["email"],
                    "password": PASSWORD,
                    "csrf_token": token,
                    "next": asked,
                },
            )
            assert r.status_code == 303 and r.headers["location"] == lands, asked
        # A wrong password keeps where to go back to.
        token = await _form_token(browser)
        r = await browser.post(
            "/login",
            data={
                "email": me["email"],
                "password": "wrong",
                "csrf_token": token,
                "next": "/app?x=1",
            },
        )
        assert r.headers["location"] == "/login?error=1&next=%2Fapp%3Fx%3D1"


async def test_unknown_pages_and_refusals_are_pages_for_people_and_json_for_programs(
    stack: Stack,
) -> None:
    async with browser_client(stack) as browser:
        html = {"accept": "text/html,application/xhtml+xml"}
        page = await browser.get("/no/such/page?lang=pl", headers=html)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert "Nie ma takiej strony" in page.text and 'href="/app"' in page.text
        assert untranslated(page.text) == []
        english = await browser.get("/credentials/nope/verification?lang=en", headers=html)
        assert english.status_code == 404 and "Page not found" in english.text
    api = await stack.http.get("/no/such/page")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
    api = await stack.http.get("/cases/nope", headers={"accept": "application/json"})
    assert api.headers["content-type"].startswith("application/json")


async def test_staff_find_cases_and_credentials_by_person_or_reference(stack: Stack) -> None:
    w = await make_world(stack)
    run, status = await certified_case(w)
    other = await new_case(w)
    async with w.sessions.begin() as session:  # a second candidate of another name
        person = await session.get(User, other.candidate.id)
        assert person is not None
        person.name, other_email = '=HYPERLINK("x") Jan_Kowalski%', person.email
    admin = await _signed_in(stack, w, w.admin)
    issuer = await _signed_in(stack, w, w.issuer)
    try:

        async def found(q: str) -> set[str]:
            page = await admin.get("/app", params={"q": q})
            assert page.status_code == 200
            return set(re.findall(r'data-case="([^"]+)"', page.text)) & {run.case_id, other.case_id}

        assert await found("zofia gęślą") == {run.case_id}  # any part, any case
        assert await found("GĘŚLĄ-JAŹW") == {run.case_id}  # Polish letters too, on SQLite too
        assert await found(other_email.upper()) == {other.case_id}
        assert await found(run.case_id[:8]) == {run.case_id}
        assert await found("Jan_") == {other.case_id}
        assert await found("n_K") == {other.case_id}  # _ and % are letters, not wildcards
        assert await found("%") == {other.case_id}
        assert await found("nobody-like-this") == set()
        assert await found("") == {run.case_id, other.case_id}
        api = ok(await w.http.get("/cases", params={"q": "kowalski"}, headers=w.admin.auth))
        assert [c["id"] for c in api] == [other.case_id]
        # The CSV: names, readable dates, and no formula a spreadsheet would run.
        rows = {
            r["case_id"]: r
            for r in csv.DictReader(io.StringIO((await admin.get("/app/cases.csv")).text))
        }
        assert rows[run.case_id]["candidate"] == "Zofia Gęślą-Jaźwińska"
        assert rows[run.case_id]["reference"] == run.case_id[:8]
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", rows[run.case_id]["opened_utc"])
        assert rows[other.case_id]["candidate"].startswith("'=HYPERLINK")
        assert rows[run.case_id]["standard"] == w.standard.title
        # The issuer's list names each recipient, and finds them.
        page = await issuer.get("/app", params={"q": "gęślą"})
        row = re.search(
            rf'data-credential="{status["credential_id"]}".*?class="recipient"><span translate="no">([^<]+)',
            page.text,
            re.S,
        )
        assert row and row[1].strip() == "Zofia Gęślą-Jaźwińska"
        assert status["credential_id"] not in (await issuer.get("/app", params={"q": "zz"})).text
    finally:
        await admin.aclose()
        await issuer.aclose()


def _stored_case(session: Any, w: Any, candidate_id: str, **fields: Any) -> Case:
    """A case row alone, as lists read it (no workflow behind it)."""
    case_id = str(uuid.uuid4())
    row = Case(
        id=case_id,
        workflow_id=f"case-{case_id}",
        centre_id=w.centre_id,
        standard_id=w.standard_id,
        candidate_id=candidate_id,
        **({"stage": "documentation"} | fields),
    )
    session.add(row)
    return row


async def test_a_long_case_list_comes_a_page_at_a_time_with_its_filters(stack: Stack) -> None:
    w = await make_world(stack)
    now = utcnow()
    async with w.sessions.begin() as session:  # the list reads the database alone
        candidate = await session.get(User, (await w.person(Role.candidate)).id)
        assert candidate is not None
        ids = [
            _stored_case(session, w, candidate.id, created_at=now - timedelta(minutes=i)).id
            for i in range(57)
        ]
    admin = await _signed_in(stack, w, w.admin)
    try:
        first = await admin.get("/app", params={"q": candidate.email})
        shown = re.findall(r'data-case="([^"]+)"', first.text)
        assert shown == ids[:50]  # newest first
        assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
        older = re.search(r'href="([^"]+)" rel="next"', first.text)
        assert older
        second = await admin.get(html.unescape(older[1]))
        assert re.findall(r'data-case="([^"]+)"', second.text) == ids[50:]
        assert 'rel="prev"' in second.text and 'rel="next"' not in second.text
        assert "Page 2" in second.text
    finally:
        await admin.aclose()


async def test_the_case_list_pages_older_and_back_newer_by_cursor(stack: Stack) -> None:
    """Three pages and back: "Newer" shows the same rows as before, equal times included,
    and leads to the list's own address on the first page; a filter stays in each link."""
    w = await make_world(stack)
    now = utcnow()
    async with w.sessions.begin() as session:
        candidate = await session.get(User, (await w.person(Role.candidate)).id)
        assert candidate is not None
        rows = [
            _stored_case(session, w, candidate.id, created_at=now - timedelta(minutes=i // 3))
            for i in range(120)  # three cases at each time
        ]
        order = [c.id for c in sorted(rows, key=lambda c: (c.created_at, c.id), reverse=True)]
    admin = await _signed_in(stack, w, w.admin)

    def shown(page: httpx.Response) -> list[str]:
        return re.findall(r'data-case="([^"]+)"', page.text)

    def link(page: httpx.Response, rel: str) -> str:
        found = re.search(rf'href="([^"]+)" rel="{rel}"', page.text)
        assert found, rel
        return html.unescape(found[1])

    try:
        pages = [await admin.get("/app", params={"state": "open"})]
        for _ in range(2):
            pages.append(await admin.get(link(pages[-1], "next")))
        assert [shown(p) for p in pages] == [order[:50], order[50:100], order[100:]]
        assert [f"Page {n}" in p.text for n, p in enumerate(pages, 1)] == [True] * 3
        assert 'rel="next"' not in pages[2].text
        assert all("state=open" in link(p, "next") for p in pages[:2])
        back = await admin.get(link(pages[2], "prev"))
        assert shown(back) == order[50:100] and "Page 2" in back.text
        assert link(back, "prev") == "/app?state=open"  # the first page: no cursor
        first = await admin.get(link(back, "prev"))
        assert shown(first) == order[:50] and 'rel="prev"' not in first.text
        # A link whose cursor no longer holds (the secret changed): the first page.
        stale = await admin.get("/app", params={"state": "open", "cursor": "bm90IGEgY3Vyc29y"})
        assert stale.status_code == 200 and shown(stale) == order[:50]
    finally:
        await admin.aclose()


async def test_refused_fields_are_named_in_the_persons_language(stack: Stack) -> None:
    w = await make_world(stack)
    run = await new_case(w)
    for lang, expected in [
        ("pl", "Powód: za krótkie: co najmniej 1 znaków"),
        ("en", "Reason: too short: at least 1 characters"),
    ]:
        r = await w.http.post(
            f"{run.url}/withdrawal",
            json={"reason": "   "},
            headers={**run.candidate.auth, "accept-language": lang},
        )
        assert r.status_code == 422
        assert r.json()["detail"] == expected
        assert r.json()["errors"][0]["field"] == "body.reason"
    r = await w.http.post(
        f"{run.url}/withdrawal", json={}, headers={**run.candidate.auth, "accept-language": "pl-PL"}
    )
    assert r.json()["detail"] == "Powód: to pole jest wymagane"


async def test_the_issuers_list_comes_a_page_at_a_time(stack: Stack) -> None:
    w = await make_world(stack)
    now = utcnow()
    async with w.sessions.begin() as session:  # the list reads the database alone
        standard = await session.get(Standard, w.standard_id)
        candidate = await session.get(User, (await w.person(Role.candidate)).id)
        assert standard is not None and candidate is not None
        ids = [str(uuid.uuid4()) for _ in range(53)]
        for i, credential_id in enumerate(ids):
            case_id = _stored_case(
                session, w, candidate.id, stage="completed", status="completed"
            ).id
            await session.flush()
            session.add(
                Credential(
                    id=credential_id,
                    case_id=case_id,
                    holder_id=candidate.id,
                    standard_id=w.standard_id,
                    awarding_body_id=standard.awarding_body_id,
                    object_key=f"credentials/{credential_id}.json",
                    sha256="ab" * 32,
                    document={"name": f"Credential {i}"},
                    issued_at=now - timedelta(minutes=i),
                )
            )
    issuer = await _signed_in(stack, w, w.issuer)
    try:
        first = await issuer.get("/app")
        assert re.findall(r'data-credential="([^"]+)"', first.text) == ids[:50]
        older = re.search(r'href="([^"]+)" rel="next"', first.text)
        assert older
        second = await issuer.get(html.unescape(older[1]))
        assert re.findall(r'data-credential="([^"]+)"', second.text) == ids[50:]
        assert 'rel="prev"' in second.text
    finally:
        await issuer.aclose()
