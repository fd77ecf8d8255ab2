"""The whole journey in a real browser (Debian's Chromium, headless, through Playwright):
a candidate applies and uploads, staff counsel, assign and check identity, two assessors
decide, the centre certifies, and the public page shows the credential valid. Every page
type is checked with axe-core for WCAG 2.1 A/AA violations. Screenshots land in
``build/screenshots``."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
import uvicorn
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Locator, Page, async_playwright, expect

from api.main import create_app
from tests.conftest import Stack
from tests.factories import PDF, PNG, Person, funder_staff, make_world, new_case, ok, operator
from tests.test_pages import _stored_case
from vnfil.accounts.models import User
from vnfil.accounts.schemas import Role
from vnfil.cases.tallies import rebuild_tallies
from vnfil.funding import ledger as books
from vnfil.platform.db import utcnow
from vnfil.platform.embedded import free_port
from vnfil.platform.i18n import input_error, translator
from vnfil.platform.refusals import localize

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(os.environ.get("VNFIL_SCREENSHOTS", "build/screenshots"))
PASSWORD = "journey password 1"
# CI sets VNFIL_REQUIRE_BROWSER=1: there a missing browser fails instead of skipping.
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("VNFIL_REQUIRE_BROWSER"),
    reason="Debian's chromium is not installed (make install does it)",
)


@pytest.fixture
async def live(stack: Stack) -> AsyncIterator[str]:
    """The app served over real HTTP on loopback, beside the test's worker."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(stack.settings), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to await
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def _with_password(w: Any, person: Person) -> str:
    me = ok(await w.http.get("/me", headers=person.auth))
    r = await w.http.put("/me/password", json={"new_password": PASSWORD}, headers=person.auth)
    assert r.status_code == 204, r.text
    return str(me["email"])


async def _accessible(page: Page, what: str) -> None:
    """No axe-core violation of any impact, and nothing wider than the screen."""
    width = page.viewport_size["width"] if page.viewport_size else 1366
    wide = await page.evaluate("document.documentElement.scrollWidth")
    assert wide <= width, f"{what}: {wide}px wide on a {width}px screen"
    results = await Axe().run(page)  # every rule: WCAG 2.x A/AA and best practices
    found = results.response["violations"]  # of any impact, moderate and minor included
    assert not found, f"{what}: " + "; ".join(
        f"{v['impact']} {v['id']}: {v['help']}" for v in found
    )


async def _page_as(
    browser: Browser, base: str, email: str, lang: str = "en", size: tuple[int, int] = (1366, 768)
) -> Page:
    """A person's own browser: their language, their screen."""
    context = await browser.new_context(
        base_url=base,
        locale="pl-PL" if lang == "pl" else "en-GB",
        viewport={"width": size[0], "height": size[1]},
    )
    page = await context.new_page()
    t = translator(lang)
    await page.goto(f"/login?lang={lang}")
    await page.get_by_label(t("email")).fill(email)
    await page.get_by_label(t("password")).fill(PASSWORD)
    await page.get_by_role("button", name=t("sign_in")).click()
    await page.wait_for_url(re.compile(r"/app$"))
    return page


async def _act(page: Page, button: Locator) -> None:
    """Click a form's button and check what the API answered (not only what the page shows)."""
    async with page.expect_response(
        lambda r: r.request.method in ("POST", "PUT", "DELETE") and "/app" not in r.url
    ) as answer:
        await button.click()
    response = await answer.value
    assert response.ok, (
        f"{response.request.method} {response.url}: {response.status} {await response.text()}"
    )


SIZES = [(390, 844), (1366, 768)]


async def _everywhere(page: Page, name: str, problems: list[str]) -> None:
    """The page it is on, at a phone's and a laptop's size, in English and Polish: nothing
    wider than the screen, no axe-core violation of any impact, a screenshot of each."""
    path, _, query = page.url.partition("?")
    kept = [(k, v) for k, v in parse_qsl(query) if k != "lang"]  # a page's cursor stays
    for width, height in SIZES:
        await page.set_viewport_size({"width": width, "height": height})
        for lang in ("en", "pl"):
            await page.goto(f"{path}?{urlencode([*kept, ('lang', lang)])}")
            wide = await page.evaluate("document.documentElement.scrollWidth")
            if wide > width:
                problems.append(f"{name} {lang} {width}px: {wide}px wide")
            results = await Axe().run(page)
            for v in results.response["violations"]:
                problems.append(f"{name} {lang} {width}px: {v['impact']} {v['id']}: {v['help']}")
            await _shot(page, f"{name}-{lang}-{width}")
    await page.set_viewport_size({"width": 1366, "height": 768})
    await page.goto(f"{path}?{urlencode([*kept, ('lang', 'en')])}")


async def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


# The journey in English and in Polish, at a desk and on a phone: every step, what each
# person reads, in their language, on their screen.
JOURNEYS = {
    "en-desktop": ("en", (1366, 768)),
    "pl-phone": ("pl", (390, 844)),
    "en-phone": ("en", (390, 844)),
    "pl-desktop": ("pl", (1366, 768)),
}


@pytest.mark.parametrize("journey", list(JOURNEYS))
async def test_the_whole_journey_in_chromium(stack: Stack, live: str, journey: str) -> None:
    lang, size = JOURNEYS[journey]
    if journey.startswith("pl") != ("postgresql" in stack.settings.database_url):
        pytest.skip("each journey runs once (CI's time): English on SQLite, Polish on PostgreSQL")
    T = translator(lang)  # noqa: N806 - the pages' own name for it

    async def shot(page: Page, name: str) -> None:
        await _shot(page, name if journey == "en-desktop" else f"{name}-{lang}-{size[0]}")

    w = await make_world(stack)
    people = {
        role: await w.person(role) for role in (Role.candidate, Role.counsellor, Role.supervisor)
    }
    assessors = [await w.person(Role.assessor), await w.person(Role.assessor)]
    emails = {r.value: await _with_password(w, p) for r, p in people.items()}
    emails["admin"] = await _with_password(w, w.admin)
    emails["issuer"] = await _with_password(w, w.issuer)
    a_emails = [await _with_password(w, a) for a in assessors]
    for person in [*people.values(), *assessors, w.admin, w.issuer]:  # their messages' language
        ok(await w.http.put("/me/preferences", json={"language": lang}, headers=person.auth))

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        # The candidate applies.
        cand = await _page_as(browser, live, emails["candidate"], lang, size)
        await _accessible(cand, "candidate dashboard")
        await cand.get_by_label(T("standard")).select_option(w.standard_id)
        await cand.get_by_label(T("centre")).select_option(w.centre_id)
        await _act(cand, cand.get_by_role("button", name=T("start")))
        await cand.wait_for_url(re.compile(r"/app/cases/"))
        case_url = cand.url
        await expect(cand.locator("#case-stage")).to_have_text(T("identification"))

        # The counsellor confirms the prerequisites.
        couns = await _page_as(browser, live, emails["counsellor"], lang, size)
        await couns.goto(case_url)
        await couns.get_by_label(T("held_on")).fill("2026-11-20")
        await couns.get_by_label(T("notes")).fill("Went through the standard together.")
        await _act(couns, couns.get_by_role("button", name=T("save")))

        # Identification, then two files with a progress bar each.
        await cand.reload()
        await cand.get_by_label(T("plan"), exact=True).fill("Portfolio first, then the interview.")
        await _accessible(cand, "case page: identification")
        await _act(cand, cand.get_by_role("button", name=T("save")))
        await expect(cand.locator("#case-stage")).to_have_text(T("documentation"))
        await cand.get_by_label(T("drop_files")).set_input_files(
            [
                {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": PDF},
                {"name": "board.png", "mimeType": "image/png", "buffer": PNG},
            ]
        )
        await cand.get_by_role("button", name=T("upload"), exact=True).click()
        await expect(cand.locator("ul.evidence li")).to_have_count(2, timeout=20_000)
        await shot(cand, "candidate-portfolio")

        # Files that cannot go in say why, in words, and the message stays: one the
        # browser refuses before sending (its kind), one the server refuses (its type).
        await expect(
            cand.get_by_text(T("allowed_files").split("{")[0] + "PDF, PNG, JPG")
        ).to_be_visible()
        await cand.get_by_label(T("drop_files")).set_input_files(
            [
                {"name": "setup.exe", "mimeType": "application/octet-stream", "buffer": b"MZ"},
                {"name": "cv.pdf", "mimeType": "application/x-msdownload", "buffer": PDF},
            ]
        )
        await cand.get_by_role("button", name=T("upload"), exact=True).click()
        refusals = cand.locator("ul.progress [role=alert]")
        await expect(refusals).to_have_count(2, timeout=20_000)
        await cand.wait_for_timeout(5_000)
        refused = T("file_type_refused").split("{types}")[0]
        await expect(refusals.nth(0)).to_contain_text(refused.format(name="setup.exe") + "PDF")
        await expect(refusals.nth(1)).to_contain_text(refused.format(name="cv.pdf"))
        await expect(cand.locator("ul.evidence li")).to_have_count(2)  # not reloaded away
        await shot(cand, "candidate-upload-refused")
        # A wrong file is taken back out before submitting, after a confirmation.
        cand.once("dialog", lambda d: asyncio.ensure_future(d.accept()))
        await _act(cand, cand.get_by_role("button", name=f"{T('remove')}: board.png"))
        await expect(cand.locator("ul.evidence li")).to_have_count(1)
        await cand.get_by_label(T("drop_files")).set_input_files(
            [{"name": "board.png", "mimeType": "image/png", "buffer": PNG}]
        )
        await cand.get_by_role("button", name=T("upload"), exact=True).click()
        await expect(cand.locator("ul.evidence li")).to_have_count(2, timeout=20_000)

        # Everyone reads whose move it is: the candidate theirs, the centre its own too.
        mine = cand.locator(".next-step.mine")
        await expect(mine).to_contain_text(
            f"{T('your_move')}: {T('next_document')}, {T('by_date').split('{')[0]}"
        )
        # The centre assigns the panel; the candidate submits.
        admin = await _page_as(browser, live, emails["admin"], lang, size)
        await admin.goto(case_url)
        await expect(admin.locator(".next-step").first).to_contain_text(
            f"{T.of('role', 'candidate').capitalize()}: {T('next_document')}"
        )
        await expect(admin.locator(".next-step.mine")).to_have_text(
            f"{T('your_move')}: {T('next_assign_panel')}."
        )
        for a in assessors:
            await admin.locator(f'input[value="{a.id}"]').check()
        await admin.get_by_label(T("supervisor")).select_option(people[Role.supervisor].id)
        await _act(admin, admin.get_by_role("button", name=T("assign")))
        await expect(admin.get_by_role("button", name=T("assign"))).to_have_count(0)
        await cand.reload()
        asked: list[str] = []
        cand.on("dialog", lambda d: (asked.append(d.message), asyncio.ensure_future(d.accept())))
        await _act(cand, cand.get_by_role("button", name=T("submit_portfolio")))
        await expect(cand.locator("#case-stage")).to_have_text(T("assessment"))
        assert asked == [T("confirm_submit")]

        # The centre schedules an interview and extends the deadline from the case page.
        await admin.reload()
        await admin.get_by_text(T("schedule_session")).click()
        await admin.get_by_label(T("method")).select_option("interview")
        await admin.get_by_label(T("starts_at")).fill("2027-01-12T10:30")
        await admin.get_by_label(T("place")).fill("Sala 2, ul. Długa 5")
        for box in await admin.locator('input[name="lo_ids[]"]').all():  # where it fits
            label = await admin.locator(
                f'label[for="{await box.get_attribute("id")}"]'
            ).text_content()
            if T.of("method", "interview") in (label or ""):
                await box.check()
        await _act(admin, admin.get_by_role("button", name=T("schedule")))
        await expect(admin.locator(".sessions li")).to_have_count(1)
        await expect(admin.locator(".sessions li")).to_contain_text(
            f"{T.of('method', 'interview')} · Sala 2"
        )
        before = await admin.locator("#case-deadline").text_content()
        await admin.get_by_text(T("extend_deadline")).click()
        await admin.get_by_label(T("extra_days")).fill("10")
        await admin.locator("#x-why").fill("    ")  # blank to the server: refused beside it
        await admin.get_by_role("button", name=T("extend")).click()
        await expect(admin.locator("#x-why-error")).to_have_text(
            input_error(lang, {"type": "string_too_short", "ctx": {"min_length": 1}})
        )
        await expect(admin.locator("#x-why")).to_have_attribute("aria-invalid", "true")
        await admin.locator("#x-why").fill("The candidate was ill.")
        await _act(admin, admin.get_by_role("button", name=T("extend")))
        await expect(admin.locator("#case-deadline")).not_to_have_text(before or "")
        await _accessible(admin, "case page: centre administration")

        # Identity, then each assessor decides outcome by outcome.
        sup = await _page_as(browser, live, emails["supervisor"], lang, size)
        await sup.goto(case_url)
        await expect(sup.locator(".next-step.mine")).to_contain_text(
            f"{T('your_move')}: {T('next_check_identity')}"
        )
        # The photo taken at the check goes with it (a phone opens its camera); a file
        # that is not a photo is refused beside the form, and nothing is recorded.
        photo = sup.get_by_label(T("identity_photo"))
        await expect(photo).to_have_attribute("capture", "user")
        await photo.set_input_files(
            {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        await sup.get_by_role("button", name=T("record")).click()
        await expect(sup.locator(".form-error")).to_have_text(
            "scan.pdf: "
            + localize(lang, "an identity photo is image/jpeg or image/png, not application/pdf")
        )
        await photo.set_input_files({"name": "face.png", "mimeType": "image/png", "buffer": PNG})
        async with sup.expect_response(lambda r: r.url.endswith("/identity")) as recorded:
            await sup.get_by_role("button", name=T("record")).click()
        assert (await recorded.value).ok
        await expect(sup.get_by_role("button", name=T("record"))).to_have_count(0)
        case_id = case_url.rsplit("/", 1)[1]
        seen = ok(await stack.http.get(f"/cases/{case_id}/status", headers=w.admin.auth))
        assert seen["identity"]["photo"]["object_key"].startswith(f"cases/{case_id}/identity/")
        # The second assessor finds the first outcome not achieved: the chair resolves it,
        # seeing what each assessor decided and why.
        panel = []
        for i, email in enumerate(a_emails):
            page = await _page_as(browser, live, email, lang, size)
            panel.append(page)
            # The panel was told: messages wait in the header, and list in the centre.
            # the panel, the session, the deadline extended
            await expect(page.locator("#unread")).to_have_text("3")
            await page.get_by_role("link", name=T("notifications")).click()
            await expect(page.locator(".notices li.unread")).to_have_count(3)
            await expect(page.locator(".notices")).to_contain_text(
                {"en": "You are on the panel", "pl": "Jesteś w komisji"}[lang]
            )
            if i == 0:
                await _accessible(page, "messages page")
            await page.goto(case_url)
            await expect(page.locator("img.preview")).to_have_count(1)
            for n, choice in enumerate(
                await page.get_by_label(T("outcome_achieved"), exact=True).all()
            ):
                if i == 1 and n == 0:
                    await page.get_by_label(T("outcome_not_achieved"), exact=True).first.check()
                else:
                    await choice.check()
            for n, text in enumerate(await page.get_by_label(T("rationale")).all()):
                await text.fill(
                    "Not shown by the portfolio."
                    if i == 1 and n == 0
                    else "The portfolio shows it."
                )
            if i == 0:
                # What the assessor weighs: the candidate's plan, the counselling, and each
                # outcome's criteria and methods beside the decision.
                account = page.locator("#candidate-account")
                await expect(account).to_contain_text("Portfolio first, then the interview.")
                await expect(account).to_contain_text("Went through the standard together.")
                first = page.locator("fieldset.decision").first
                await expect(first.locator(".criteria li").first).to_be_visible()
                await expect(first).to_contain_text(T("methods") + ":")
                await _accessible(page, "case page: assessor")
                await shot(page, "assessor-decisions")
            await _act(page, page.get_by_role("button", name=T("decide")))
            await expect(page.get_by_role("button", name=T("decide"))).to_have_count(0)
            if i == 0:
                # Their own decision stays in view, and may change while the other decides.
                mine = page.locator("#my-decision")
                await expect(mine).to_contain_text(T("your_decision"))
                first_why = mine.locator("textarea").first
                await expect(first_why).to_have_value("The portfolio shows it.")
                await first_why.fill("Seen again: the portfolio shows it.")
                await page.evaluate("document.body.dataset.before = 'change'")
                await _act(page, mine.get_by_role("button", name=T("change_decision")))
                await expect(page.locator("body[data-before]")).to_have_count(0)  # reloaded
                await expect(page.locator("#my-decision textarea").first).to_have_value(
                    "Seen again: the portfolio shows it."
                )
                await _accessible(page, "case page: assessor's own decision")
                await shot(page, "assessor-own-decision")
        for page in panel:
            await page.reload()
        chair = [p for p in panel if await p.get_by_role("button", name=T("resolve")).count()][0]
        resolution = chair.locator("fieldset.decision").first
        await expect(resolution.locator(".rationales li")).to_have_count(2)
        await expect(resolution).to_contain_text(
            f"({T('outcome_not_achieved')}): Not shown by the portfolio."
        )
        await expect(resolution).to_contain_text(
            f"({T('outcome_achieved')}): Seen again: the portfolio shows it."
        )
        await _accessible(chair, "case page: chair")
        await shot(chair, "chair-resolution")
        await chair.get_by_label(T("outcome_achieved"), exact=True).check()
        await chair.get_by_label(T("rationale")).fill("Shown at the interview after all.")
        await _act(chair, chair.get_by_role("button", name=T("resolve")))

        # The candidate accepts; the centre certifies and sees it.
        # The candidate sees the result outcome by outcome, why, and until when to appeal.
        await cand.reload()
        await expect(cand.locator("#case-result")).to_have_text(T.of("result", "full"))
        outcomes = cand.locator("#result-detail .outcomes > li")
        await expect(outcomes).to_have_count(len(w.standard.learning_outcomes))
        await expect(outcomes.first).to_contain_text("✔ " + T("outcome_achieved"))
        await expect(outcomes.first).to_contain_text(
            f"{T('chair_said')} ({T('outcome_achieved')}): Shown at the interview after all."
        )
        await expect(cand.locator("#appeal-status")).to_contain_text(
            T("appeal_until").split("{")[0]
        )
        await _accessible(cand, "case page: candidate's result")
        await shot(cand, "candidate-result")
        # The same on a phone, in Polish (the Polish journey is all of it on a phone).
        if journey == "en-desktop":
            await cand.set_viewport_size({"width": 390, "height": 844})
            await cand.goto(case_url + "?lang=pl")
            await expect(cand.locator("#case-result")).to_have_text(
                "Walidacja zakończona pozytywnie w całości"
            )
            await expect(outcomes.first).to_contain_text("✔ Osiągnięty")
            await expect(cand.locator("#appeal-status")).to_contain_text("Możesz się odwołać do ")
            assert await cand.evaluate("document.documentElement.scrollWidth") <= 390
            await _accessible(cand, "case page: candidate's result, phone, Polish")
            await shot(cand, "candidate-result-phone-pl")
            await cand.set_viewport_size({"width": 1366, "height": 768})
            await cand.goto(case_url + f"?lang={lang}")
        await _act(cand, cand.get_by_role("button", name=T("accept_result")))
        await expect(cand.locator("#case-stage")).to_have_text(T("certification"))
        await expect(cand.locator("#appeal-status")).to_have_text(T("result_is_final"))
        assert asked[-1] == T("confirm_accept")
        await admin.reload()
        admin.on("dialog", lambda d: asyncio.ensure_future(d.accept()))
        await _act(admin, admin.get_by_role("button", name=T("certify")))
        await expect(admin.locator("#case-stage")).to_have_text(T("completed"))
        await _accessible(admin, "case page: centre, completed")
        await admin.goto("/app")
        await expect(admin.locator("tr[data-case] .case-status").first).to_have_text(T("completed"))
        await _accessible(admin, "centre dashboard")
        await shot(admin, "centre-dashboard")
        csv = await admin.request.get("/app/cases.csv")
        assert csv.ok and "completed" in await csv.text()

        # The certificate downloads; anyone sees the credential valid.
        await cand.reload()
        pdf = await cand.request.get(await cand.locator("#certificate-link").get_attribute("href"))
        assert pdf.ok and (await pdf.body()).startswith(b"%PDF")
        public = await (await browser.new_context(base_url=live)).new_page()
        await public.goto(await cand.locator("#verification-link").get_attribute("href") or "")
        await expect(public.get_by_role("status")).to_contain_text("Valid credential")
        await _accessible(public, "public verification page")
        await shot(public, "public-verification")

        # The backpack: the credential, its signed file, and a link to show it without the
        # outcomes, which opens for anyone.
        await cand.get_by_role("link", name=T("backpack")).click()
        card = cand.locator("section.credential").first
        await expect(card.get_by_role("link", name=T("download_json"))).to_be_visible()
        # Also as a Europass digital credential (European Learning Model, JSON-LD).
        elm_link = card.get_by_role("link", name=T("download_elm"))
        elm = await cand.request.get(await elm_link.get_attribute("href") or "")
        assert elm.ok and "EuropeanDigitalCredential" in (await elm.json())["type"]
        await card.get_by_text(T("share_new")).click()
        await card.get_by_label(T("share_name")).fill("Acme")
        await card.get_by_label(T("part_outcomes")).check()
        await _act(cand, card.get_by_role("button", name=T("share_create")))
        link = card.locator("code[data-field=url]")
        await expect(link).to_contain_text("/shared/shr_")
        # Into a wallet: a QR code to scan, a link for a wallet on this phone.
        await card.get_by_text(T("to_wallet"), exact=True).click()
        await _act(cand, card.get_by_role("button", name=T("to_wallet_offer")))
        qr = card.get_by_role("img", name=T("to_wallet_qr"))
        await expect(qr).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
        await expect(card.get_by_role("link", name=T("to_wallet_link"))).to_have_attribute(
            "href", re.compile(r"^openid-credential-offer://\?credential_offer_uri=http")
        )
        # And into the Learner Credential Wallet: its own QR code and deep link.
        await card.get_by_text(T("to_lcw"), exact=True).click()
        await _act(cand, card.get_by_role("button", name=T("to_lcw_offer")))
        lcw_qr = card.get_by_role("img", name=T("to_lcw_qr"))
        await expect(lcw_qr).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
        await expect(card.get_by_role("link", name=T("to_lcw_link"))).to_have_attribute(
            "href", re.compile(r"^https://lcw\.app/request\.html\?request=")
        )
        await _accessible(cand, "backpack")
        await shot(cand, "backpack-share")
        await public.goto("/shared/" + (await link.text_content() or "").split("/shared/")[1])
        await expect(public.get_by_role("status")).to_contain_text("Valid credential")
        await expect(public.locator("#shared-by")).to_contain_text("Acme")
        await cand.goto(case_url)

        # The pages speak Polish too.
        await cand.goto("/app?lang=pl")
        await expect(cand.get_by_role("heading", level=1)).to_have_text("Moje sprawy")
        # The issuer sees what was issued, subscribes a webhook and revokes.
        issuer = await _page_as(browser, live, emails["issuer"], lang, size)
        await expect(issuer.get_by_role("link", name=w.standard.title)).to_have_count(1)
        await _accessible(issuer, "issuer page")
        # A receiver on loopback: the test stack allows private webhook targets.
        await issuer.get_by_label("URL").fill("http://127.0.0.1:9/hooks")
        await _act(issuer, issuer.get_by_role("button", name=T("subscribe")))
        await expect(issuer.locator("code[data-field=secret]").first).to_contain_text("whsec_")
        # The subscription's secret is rotated, then it is stopped, from the page.
        await issuer.reload()
        hook = issuer.locator("li.webhook").first
        await _act(issuer, hook.get_by_role("button", name=T("rotate_secret")))
        await expect(hook.locator("code[data-field=secret]")).to_contain_text("whsec_")
        issuer.once("dialog", lambda d: asyncio.ensure_future(d.accept()))
        await _act(issuer, hook.get_by_role("button", name=T("unsubscribe")))
        await expect(issuer.locator("li.webhook").first).to_contain_text(f"({T('webhook_off')})")
        await shot(issuer, "issuer")
        await issuer.get_by_placeholder(T("reason"), exact=True).fill("issued in error")
        issuer.once("dialog", lambda d: asyncio.ensure_future(d.dismiss()))
        await issuer.get_by_role("button", name=T("revoke")).click()  # asked, and declined
        await expect(issuer.get_by_role("button", name=T("revoke"))).to_be_enabled()
        await public.reload()
        await expect(public.get_by_role("status")).to_contain_text("Valid credential")
        issuer.once("dialog", lambda d: asyncio.ensure_future(d.accept()))
        await _act(issuer, issuer.get_by_role("button", name=T("revoke")))
        await expect(issuer.get_by_text(f"{T('revoked')}: issued in error")).to_be_visible()
        await public.reload()
        await expect(public.get_by_role("status")).to_contain_text("Not valid")
        await cand.goto(case_url)  # the candidate's own page says so too
        await expect(cand.locator("#credential-revoked")).to_contain_text("issued in error")

        # A session that ended says so, and signing in again goes back to the page.
        await issuer.context.clear_cookies()
        await issuer.get_by_label("URL").fill("http://127.0.0.1:9/other")
        await issuer.get_by_role("button", name=T("subscribe")).click()
        await issuer.wait_for_url(re.compile(r"/login\?expired=1&next=%2Fapp"))
        await expect(issuer.locator("#expired")).to_contain_text(T("session_expired"))
        await issuer.get_by_label(T("email")).fill(emails["issuer"])
        await issuer.get_by_label(T("password")).fill(PASSWORD)
        await issuer.get_by_role("button", name=T("sign_in")).click()
        await issuer.wait_for_url(re.compile(r"/app$"))
        # An address that does not exist is a page in the person's language.
        await issuer.goto("/app/cases/no-such-case?lang=pl")
        await expect(issuer.get_by_role("heading", level=1)).to_have_text("Nie ma takiej strony")
        await _accessible(issuer, "not found page")

        if lang == "pl":
            # The header's language link: the page follows, and the account keeps it.
            await cand.locator("a[data-language=en]").click()
            await expect(cand.locator("html")).to_have_attribute("lang", "en")
            # The choice is sent as the page leaves (keepalive): it lands soon after.
            for _ in range(100):
                async with stack.sessions() as session:  # type: ignore[operator]
                    chosen = await session.get(User, people[Role.candidate].id)
                if chosen is not None and chosen.language == "en":
                    break
                await asyncio.sleep(0.1)
            assert chosen is not None and chosen.language == "en"
        if journey != "en-desktop":  # the rest is the same in every journey: once is enough
            await browser.close()
            return
        # Every role's main pages, at both sizes, in both languages.
        problems: list[str] = []
        await cand.goto("/app")
        await _everywhere(cand, "candidate-dashboard", problems)
        await cand.goto(case_url)
        await _everywhere(cand, "candidate-case", problems)
        await admin.goto("/app")
        await _everywhere(admin, "centre-dashboard", problems)
        await admin.goto(case_url)
        await _everywhere(admin, "centre-case", problems)
        await panel[0].goto(case_url)
        await _everywhere(panel[0], "assessor-case", problems)
        await issuer.goto("/app")
        await _everywhere(issuer, "issuer-page", problems)
        await _everywhere(public, "public-verification", problems)
        await panel[0].goto("/app/notifications")
        await _everywhere(panel[0], "messages", problems)
        await cand.goto("/app/backpack")
        await _everywhere(cand, "backpack", problems)
        # The learning account, with what a funder credited (one extra, for special needs).
        funder_id, funds = await funder_staff(stack, "Wojewódzki Urząd Pracy")
        for amount, special in ((1500_00, False), (400_00, True)):
            ok(
                await w.http.post(
                    f"/funders/{funder_id}/grants",
                    json={
                        "email": emails["candidate"],
                        "amount": amount,
                        "valid_until": "2030-06-30T00:00:00Z",
                        "reason": "Walidacja kompetencji cyfrowych",
                        "special_needs": special,
                    },
                    headers=funds,
                ),
                201,
            )
        await cand.goto("/app/learning-account")
        await _everywhere(cand, "learning-account", problems)
        await issuer.goto(await issuer.locator("li.webhook a").first.get_attribute("href") or "")
        await _everywhere(issuer, "webhook-deliveries", problems)
        # A long address is not wider than a phone: it breaks where it must.
        ok(
            await w.http.post(
                f"/centres/{w.centre_id}/invitations",
                json={"email": "a23cb715edd245fe8ed64cf3f6d47ac2@test.example", "role": "assessor"},
                headers=w.admin.auth,
            ),
            201,
        )
        staff = await operator(stack)
        operator_page = await _page_as(browser, live, await _with_password(w, staff))
        await _everywhere(operator_page, "operator-page", problems)
        anyone = await (await browser.new_context(base_url=live)).new_page()
        for path in ("/login", "/register", "/password-reset"):
            await anyone.goto(path)
            await _everywhere(anyone, path.strip("/"), problems)
        assert problems == [], "\n".join(problems)

        login = await (await browser.new_context(base_url=live)).new_page()
        # Forgot the password: the link is asked for, and the page says what happens.
        await login.goto("/login")
        await login.get_by_role("link", name="Forgot your password?").click()
        await login.get_by_label("E-mail").fill(emails["candidate"])
        await _act(login, login.get_by_role("button", name="Send the link"))
        await expect(login.locator(".form-done")).to_have_text(
            "If this address has an account, a link is on its way. It works once, for an hour."
        )
        await _accessible(login, "password reset page")
        # Registration says what a password needs and what is kept about the person.
        await login.goto("/register?lang=pl")
        await expect(login.locator("#password-rule")).to_contain_text("Co najmniej 10 znaków")
        await expect(login.get_by_role("heading", name="Twoje dane")).to_be_visible()
        await _accessible(login, "registration page")
        await login.goto("/login?lang=en")
        await _accessible(login, "sign-in page")
        # Keyboard only: Tab to the e-mail field, type, Tab, type, Enter.
        for _ in range(10):
            await login.keyboard.press("Tab")
            if await login.evaluate("document.activeElement.id") == "email":
                break
        await login.keyboard.type(emails["candidate"])
        await login.keyboard.press("Tab")
        await login.keyboard.type(PASSWORD)
        await login.keyboard.press("Enter")
        await login.wait_for_url(re.compile(r"/app$"))
        await browser.close()


FUNDING_JOURNEYS = {"en-desktop": ("en", (1366, 768)), "pl-phone": ("pl", (390, 844))}


@pytest.mark.parametrize("journey", list(FUNDING_JOURNEYS))
async def test_a_funded_validation_in_chromium(stack: Stack, live: str, journey: str) -> None:
    """A funder credits the learner's account and opens a programme; the learner asks it
    and pays the rest from the account; the funder approves; the case is certified, the
    centre paid, and the learner reads what is left, in their language, on their screen."""
    if (journey == "pl-phone") != ("postgresql" in stack.settings.database_url):
        pytest.skip("one journey per database (CI's time): en on SQLite, pl on PostgreSQL")
    lang, size = FUNDING_JOURNEYS[journey]
    T = translator(lang)  # noqa: N806 - the pages' own name for it
    w = await make_world(stack)
    ok(
        await w.http.put(
            f"/centres/{w.centre_id}/prices/{w.standard.code}",
            json={"amount": 900_00, "funding_required": True},
            headers=w.admin.auth,
        )
    )
    funder_id, funds = await funder_staff(stack, "Wojewódzki Urząd Pracy")
    staff = ok(await w.http.get("/me", headers=funds))
    funder = Person(staff["id"], funds["Authorization"].split(" ", 1)[1], "funder")
    programme = ok(
        await w.http.post(
            f"/funders/{funder_id}/programmes",
            json={
                "name": "Walidacja dla dorosłych",
                "budget": 20_000_00,
                "share_percent": 70,
                "valid_until": "2030-12-31T00:00:00Z",
            },
            headers=funds,
        ),
        201,
    )
    run = await new_case(w)
    cand_email = await _with_password(w, run.candidate)
    funder_email = await _with_password(w, funder)
    ok(await run.identify())
    await run.add_default_evidence()
    ok(await run.assign())
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        # The funder credits the learner's account from its page.
        fund = await _page_as(browser, live, funder_email, lang, size)
        form = fund.locator("form[data-api$='/grants']")
        await form.get_by_label(T("email")).fill(cand_email)
        await form.get_by_label(T("amount_pln")).fill("500")
        await form.get_by_label(T("valid_until_col")).fill("2030-06-30")
        await form.get_by_label(T("reason")).fill("Walidacja kompetencji cyfrowych")
        await _act(fund, form.get_by_role("button", name=T("grant")))
        # The learner asks the programme, the rest from the account.
        cand = await _page_as(browser, live, cand_email, lang, size)
        await cand.goto(f"/app/cases/{run.case_id}")
        funding = cand.locator("#funding")
        await expect(funding).to_contain_text(T("account_holds").split("{")[0])
        await funding.get_by_label(T("ask_programme")).select_option(programme["id"])
        await funding.get_by_label(T("from_account")).check()
        await _act(cand, funding.get_by_role("button", name=T("ask_funding")))
        await expect(cand.locator("#funding-status")).to_contain_text(
            T.of("case_funding", "pending")
        )
        await _accessible(cand, "case page, funding asked")
        await _shot(cand, f"funding-asked-{lang}-{size[0]}")
        # The funder approves on its page.
        await fund.goto("/app")
        row = fund.locator(f"tr[data-request='{run.case_id}']")
        await expect(row).to_contain_text(T.of("funding_status", "pending"))
        await _accessible(fund, "funder page")
        await _shot(fund, f"funder-{lang}-{size[0]}")
        await _act(fund, row.get_by_role("button", name=T("approve")))
        await fund.goto("/app")
        await expect(fund.locator(f"tr[data-request='{run.case_id}']")).to_contain_text(
            T.of("funding_status", "approved")
        )
        # Assessment goes on; certified, the centre is paid.
        ok(await run.submit())
        ok(await run.verify_identity())
        ok(await run.decide(run.assessors[0]))
        ok(await run.decide(run.assessors[1]))
        ok(await run.accept())
        ok(await run.certify())
        await cand.goto(f"/app/cases/{run.case_id}")
        await cand.goto("/app/learning-account")
        await expect(cand.locator("strong.balance")).to_have_text(
            "230.00\u00a0PLN" if lang == "en" else "230,00\u00a0PLN"
        )
        paid = cand.locator(f"tr[data-case='{run.case_id}']")
        await expect(paid).to_have_count(2)  # the programme's part and the account's
        await expect(paid.first).to_contain_text(T.of("funding_status", "settled"))
        await _accessible(cand, "learning account")
        await _shot(cand, f"funded-account-{lang}-{size[0]}")
        await fund.goto("/app")
        await expect(fund.locator("#outcomes-bought")).to_contain_text("1")
        await _shot(fund, f"funder-after-{lang}-{size[0]}")
        await browser.close()
    async with stack.sessions() as session:  # type: ignore[operator]
        centre = await books.account(session, books.CENTRE, w.centre_id, "PLN")
        assert centre.balance == 900_00  # 630.00 from the programme, 270.00 from the account


@pytest.mark.one_database  # test_pages walks the pages on both
async def test_a_long_case_list_pages_in_chromium(stack: Stack, live: str) -> None:
    """A centre's list of 57 cases: 50 on the first page, "Older" to the other 7 and
    "Newer" back, at a phone's and a laptop's size, in English and Polish, each page
    accessible and no wider than the screen."""
    w = await make_world(stack)
    now = utcnow()
    async with w.sessions.begin() as session:  # the list reads the database alone
        candidate = await session.get(User, (await w.person(Role.candidate)).id)
        assert candidate is not None
        for i in range(57):
            _stored_case(session, w, candidate.id, created_at=now - timedelta(minutes=i))
    async with w.sessions.begin() as session:  # rows stored outside the workflows
        await rebuild_tallies(session, w.centre_id)
    email = await _with_password(w, w.admin)
    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        try:
            for lang, size in (("en", (1366, 768)), ("pl", (390, 844))):
                t = translator(lang)
                page = await _page_as(browser, live, email, lang, size)
                rows, pager = (
                    page.locator("[data-case]"),
                    page.get_by_role("navigation", name=t("pages")),
                )
                await expect(rows).to_have_count(50)
                await expect(pager).to_contain_text(t("page_n").format(n=1))
                await expect(pager.get_by_role("link", name=t("newer"))).to_have_count(0)
                await pager.get_by_role("link", name=t("older")).click()
                await expect(pager).to_contain_text(t("page_n").format(n=2))
                await expect(rows).to_have_count(7)
                await expect(pager.get_by_role("link", name=t("older"))).to_have_count(0)
                if lang == "en":  # page 2 at both sizes, in both languages (then in English)
                    await _everywhere(page, "cases-page-2", problems)
                await pager.get_by_role("link", name=t("newer")).click()
                await expect(pager).to_contain_text(t("page_n").format(n=1))
                await expect(rows).to_have_count(50)
        finally:
            await browser.close()
    assert not problems, problems
