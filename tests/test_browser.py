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
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Locator, Page, async_playwright, expect

from api.main import create_app
from tests.conftest import Stack
from tests.factories import PDF, PNG, Person, make_world, ok
from vnfil.accounts.schemas import Role
from vnfil.platform.embedded import free_port

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
    results = await Axe().run(page)  # every rule: WCAG 2.x A/AA and best practices
    found = results.response["violations"]  # of any impact, moderate and minor included
    assert not found, f"{what}: " + "; ".join(
        f"{v['impact']} {v['id']}: {v['help']}" for v in found
    )


async def _page_as(browser: Browser, base: str, email: str) -> Page:
    context = await browser.new_context(base_url=base, locale="en-GB")
    page = await context.new_page()
    await page.goto("/login")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
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
    path = page.url.split("?")[0]
    for width, height in SIZES:
        await page.set_viewport_size({"width": width, "height": height})
        for lang in ("en", "pl"):
            await page.goto(f"{path}?lang={lang}")
            wide = await page.evaluate("document.documentElement.scrollWidth")
            if wide > width:
                problems.append(f"{name} {lang} {width}px: {wide}px wide")
            results = await Axe().run(page)
            for v in results.response["violations"]:
                problems.append(f"{name} {lang} {width}px: {v['impact']} {v['id']}: {v['help']}")
            await _shot(page, f"{name}-{lang}-{width}")
    await page.set_viewport_size({"width": 1366, "height": 768})
    await page.goto(f"{path}?lang=en")


async def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def test_the_whole_journey_in_chromium(stack: Stack, live: str) -> None:
    w = await make_world(stack)
    people = {
        role: await w.person(role) for role in (Role.candidate, Role.counsellor, Role.supervisor)
    }
    assessors = [await w.person(Role.assessor), await w.person(Role.assessor)]
    emails = {r.value: await _with_password(w, p) for r, p in people.items()}
    emails["admin"] = await _with_password(w, w.admin)
    emails["issuer"] = await _with_password(w, w.issuer)
    a_emails = [await _with_password(w, a) for a in assessors]

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        # The candidate applies.
        cand = await _page_as(browser, live, emails["candidate"])
        await _accessible(cand, "candidate dashboard")
        await cand.get_by_label("Standard").select_option(w.standard_id)
        await cand.get_by_label("Centre").select_option(w.centre_id)
        await _act(cand, cand.get_by_role("button", name="Start"))
        await cand.wait_for_url(re.compile(r"/app/cases/"))
        case_url = cand.url
        await expect(cand.locator("#case-stage")).to_have_text("Identification")

        # The counsellor confirms the prerequisites.
        couns = await _page_as(browser, live, emails["counsellor"])
        await couns.goto(case_url)
        await couns.get_by_label("Held on").fill("2026-11-20")
        await couns.get_by_label("Notes").fill("Went through the standard together.")
        await _act(couns, couns.get_by_role("button", name="Save"))

        # Identification, then two files with a progress bar each.
        await cand.reload()
        await cand.get_by_label("Plan", exact=True).fill("Portfolio first, then the interview.")
        await _accessible(cand, "case page: identification")
        await _act(cand, cand.get_by_role("button", name="Save"))
        await expect(cand.locator("#case-stage")).to_have_text("Documentation")
        await cand.get_by_label("Drop files here or choose them").set_input_files(
            [
                {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": PDF},
                {"name": "board.png", "mimeType": "image/png", "buffer": PNG},
            ]
        )
        await cand.get_by_role("button", name="Upload", exact=True).click()
        await expect(cand.locator("ul.evidence li")).to_have_count(2, timeout=20_000)
        await _shot(cand, "candidate-portfolio")

        # Files that cannot go in say why, in words, and the message stays: one the
        # browser refuses before sending (its kind), one the server refuses (its type).
        await expect(cand.get_by_text("Allowed: PDF, PNG, JPG")).to_be_visible()
        await cand.get_by_label("Drop files here or choose them").set_input_files(
            [
                {"name": "setup.exe", "mimeType": "application/octet-stream", "buffer": b"MZ"},
                {"name": "cv.pdf", "mimeType": "application/x-msdownload", "buffer": PDF},
            ]
        )
        await cand.get_by_role("button", name="Upload", exact=True).click()
        refusals = cand.locator("ul.progress [role=alert]")
        await expect(refusals).to_have_count(2, timeout=20_000)
        await cand.wait_for_timeout(5_000)
        await expect(refusals.nth(0)).to_contain_text(
            "setup.exe: this kind of file is not accepted. Allowed: PDF"
        )
        await expect(refusals.nth(1)).to_contain_text("cv.pdf: this kind of file is not accepted")
        await expect(cand.locator("ul.evidence li")).to_have_count(2)  # not reloaded away
        await _shot(cand, "candidate-upload-refused")
        # A wrong file is taken back out before submitting, after a confirmation.
        cand.once("dialog", lambda d: asyncio.ensure_future(d.accept()))
        await _act(cand, cand.get_by_role("button", name="Remove: board.png"))
        await expect(cand.locator("ul.evidence li")).to_have_count(1)
        await cand.get_by_label("Drop files here or choose them").set_input_files(
            [{"name": "board.png", "mimeType": "image/png", "buffer": PNG}]
        )
        await cand.get_by_role("button", name="Upload", exact=True).click()
        await expect(cand.locator("ul.evidence li")).to_have_count(2, timeout=20_000)

        # Everyone reads whose move it is: the candidate theirs, the centre its own too.
        mine = cand.locator(".next-step.mine")
        await expect(mine).to_contain_text(
            "Your move: upload evidence for every chosen outcome and submit the portfolio, by "
        )
        # The centre assigns the panel; the candidate submits.
        admin = await _page_as(browser, live, emails["admin"])
        await admin.goto(case_url)
        await expect(admin.locator(".next-step").first).to_contain_text(
            "Candidate: upload evidence for every chosen outcome"
        )
        await expect(admin.locator(".next-step.mine")).to_have_text(
            "Your move: assign the assessment panel."
        )
        for a in assessors:
            await admin.locator(f'input[value="{a.id}"]').check()
        await admin.get_by_label("Supervisor").select_option(people[Role.supervisor].id)
        await _act(admin, admin.get_by_role("button", name="Assign"))
        await expect(admin.get_by_role("button", name="Assign")).to_have_count(0)
        await cand.reload()
        asked: list[str] = []
        cand.on("dialog", lambda d: (asked.append(d.message), asyncio.ensure_future(d.accept())))
        await _act(cand, cand.get_by_role("button", name="Submit the portfolio"))
        await expect(cand.locator("#case-stage")).to_have_text("Assessment")
        assert asked == ["Submit the portfolio? You cannot add or remove evidence afterwards."]

        # The centre schedules an interview and extends the deadline from the case page.
        await admin.reload()
        await admin.get_by_text("Schedule an assessment session").click()
        await admin.get_by_label("Method").select_option("interview")
        await admin.get_by_label("Starts at (your local time)").fill("2027-01-12T10:30")
        await admin.get_by_label("Place (or an online link below)").fill("Sala 2, ul. Długa 5")
        for box in await admin.locator('input[name="lo_ids[]"]').all():  # where it fits
            label = await admin.locator(
                f'label[for="{await box.get_attribute("id")}"]'
            ).text_content()
            if "interview" in (label or ""):
                await box.check()
        await _act(admin, admin.get_by_role("button", name="Schedule"))
        await expect(admin.locator(".sessions li")).to_have_count(1)
        await expect(admin.locator(".sessions li")).to_contain_text("interview · Sala 2")
        before = await admin.locator("#case-deadline").text_content()
        await admin.get_by_text("Extend the deadline").click()
        await admin.get_by_label("By how many days").fill("10")
        await admin.locator("#x-why").fill("    ")  # blank to the server: refused beside it
        await admin.get_by_role("button", name="Extend").click()
        await expect(admin.locator("#x-why-error")).to_have_text("too short: at least 1 characters")
        await expect(admin.locator("#x-why")).to_have_attribute("aria-invalid", "true")
        await admin.locator("#x-why").fill("The candidate was ill.")
        await _act(admin, admin.get_by_role("button", name="Extend"))
        await expect(admin.locator("#case-deadline")).not_to_have_text(before or "")
        await _accessible(admin, "case page: centre administration")

        # Identity, then each assessor decides outcome by outcome.
        sup = await _page_as(browser, live, emails["supervisor"])
        await sup.goto(case_url)
        await expect(sup.locator(".next-step.mine")).to_contain_text(
            "Your move: check the candidate's identity"
        )
        # The photo taken at the check goes with it (a phone opens its camera); a file
        # that is not a photo is refused beside the form, and nothing is recorded.
        photo = sup.get_by_label("Photo taken at the check (optional)")
        await expect(photo).to_have_attribute("capture", "user")
        await photo.set_input_files(
            {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        await sup.get_by_role("button", name="Record").click()
        await expect(sup.locator(".form-error")).to_have_text(
            "scan.pdf: an identity photo is image/jpeg or image/png, not application/pdf"
        )
        await photo.set_input_files({"name": "face.png", "mimeType": "image/png", "buffer": PNG})
        async with sup.expect_response(lambda r: r.url.endswith("/identity")) as recorded:
            await sup.get_by_role("button", name="Record").click()
        assert (await recorded.value).ok
        await expect(sup.get_by_role("button", name="Record")).to_have_count(0)
        case_id = case_url.rsplit("/", 1)[1]
        seen = ok(await stack.http.get(f"/cases/{case_id}/status", headers=w.admin.auth))
        assert seen["identity"]["photo"]["object_key"].startswith(f"cases/{case_id}/identity/")
        # The second assessor finds the first outcome not achieved: the chair resolves it,
        # seeing what each assessor decided and why.
        panel = []
        for i, email in enumerate(a_emails):
            page = await _page_as(browser, live, email)
            panel.append(page)
            # The panel was told: messages wait in the header, and list in the centre.
            # the panel, the session, the deadline extended
            await expect(page.locator("#unread")).to_have_text("3")
            await page.get_by_role("link", name="Messages").click()
            await expect(page.locator(".notices li.unread")).to_have_count(3)
            await expect(page.locator(".notices")).to_contain_text("You are on the panel")
            if i == 0:
                await _accessible(page, "messages page")
            await page.goto(case_url)
            await expect(page.locator("img.preview")).to_have_count(1)
            for n, choice in enumerate(await page.get_by_label("Achieved", exact=True).all()):
                if i == 1 and n == 0:
                    await page.get_by_label("Not achieved", exact=True).first.check()
                else:
                    await choice.check()
            for n, text in enumerate(await page.get_by_label("Rationale").all()):
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
                await expect(first).to_contain_text("Methods the standard allows:")
                await _accessible(page, "case page: assessor")
                await _shot(page, "assessor-decisions")
            await _act(page, page.get_by_role("button", name="Record decisions"))
            await expect(page.get_by_role("button", name="Record decisions")).to_have_count(0)
        for page in panel:
            await page.reload()
        chair = [p for p in panel if await p.get_by_role("button", name="Resolve").count()][0]
        resolution = chair.locator("fieldset.decision").first
        await expect(resolution.locator(".rationales li")).to_have_count(2)
        await expect(resolution).to_contain_text("(Not achieved): Not shown by the portfolio.")
        await expect(resolution).to_contain_text("(Achieved): The portfolio shows it.")
        await _accessible(chair, "case page: chair")
        await _shot(chair, "chair-resolution")
        await chair.get_by_label("Achieved", exact=True).check()
        await chair.get_by_label("Rationale").fill("Shown at the interview after all.")
        await _act(chair, chair.get_by_role("button", name="Resolve"))

        # The candidate accepts; the centre certifies and sees it.
        # The candidate sees the result outcome by outcome, why, and until when to appeal.
        await cand.reload()
        await expect(cand.locator("#case-result")).to_have_text("Validated in full")
        outcomes = cand.locator("#result-detail .outcomes > li")
        await expect(outcomes).to_have_count(len(w.standard.learning_outcomes))
        await expect(outcomes.first).to_contain_text("✔ Achieved")
        await expect(outcomes.first).to_contain_text(
            "Chair's resolution (Achieved): Shown at the interview after all."
        )
        await expect(cand.locator("#appeal-status")).to_contain_text("You may appeal until ")
        await _accessible(cand, "case page: candidate's result")
        await _shot(cand, "candidate-result")
        # The same on a phone, in Polish: nothing wider than the screen.
        await cand.set_viewport_size({"width": 390, "height": 844})
        await cand.goto(case_url + "?lang=pl")
        await expect(cand.locator("#case-result")).to_have_text(
            "Walidacja zakończona pozytywnie w całości"
        )
        await expect(outcomes.first).to_contain_text("✔ Osiągnięty")
        await expect(cand.locator("#appeal-status")).to_contain_text("Możesz się odwołać do ")
        assert await cand.evaluate("document.documentElement.scrollWidth") <= 390
        await _accessible(cand, "case page: candidate's result, phone, Polish")
        await _shot(cand, "candidate-result-phone-pl")
        await cand.set_viewport_size({"width": 1366, "height": 768})
        await cand.goto(case_url + "?lang=en")
        await _act(cand, cand.get_by_role("button", name="Accept the result"))
        await expect(cand.locator("#case-stage")).to_have_text("Certification")
        await expect(cand.locator("#appeal-status")).to_have_text("This result is final.")
        assert asked[-1].startswith("Accept the result? You give up the right to appeal")
        await admin.reload()
        admin.on("dialog", lambda d: asyncio.ensure_future(d.accept()))
        await _act(admin, admin.get_by_role("button", name="Certify"))
        await expect(admin.locator("#case-stage")).to_have_text("Completed")
        await _accessible(admin, "case page: centre, completed")
        await admin.goto("/app")
        await expect(admin.locator("tr[data-case] .case-status").first).to_have_text("Completed")
        await _accessible(admin, "centre dashboard")
        await _shot(admin, "centre-dashboard")
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
        await _shot(public, "public-verification")

        # The pages speak Polish too.
        await cand.goto("/app?lang=pl")
        await expect(cand.get_by_role("heading", level=1)).to_have_text("Moje sprawy")
        # The issuer sees what was issued, subscribes a webhook and revokes.
        issuer = await _page_as(browser, live, emails["issuer"])
        await expect(issuer.get_by_role("link", name=w.standard.title)).to_have_count(1)
        await _accessible(issuer, "issuer page")
        # A receiver on loopback: the test stack allows private webhook targets.
        await issuer.get_by_label("URL").fill("http://127.0.0.1:9/hooks")
        await _act(issuer, issuer.get_by_role("button", name="Subscribe"))
        await expect(issuer.locator("code[data-field=secret]").first).to_contain_text("whsec_")
        # The subscription's secret is rotated, then it is stopped, from the page.
        await issuer.reload()
        hook = issuer.locator("li.webhook").first
        await _act(issuer, hook.get_by_role("button", name="New secret"))
        await expect(hook.locator("code[data-field=secret]")).to_contain_text("whsec_")
        issuer.once("dialog", lambda d: asyncio.ensure_future(d.accept()))
        await _act(issuer, hook.get_by_role("button", name="Stop sending"))
        await expect(issuer.locator("li.webhook").first).to_contain_text("(switched off)")
        await _shot(issuer, "issuer")
        await issuer.get_by_placeholder("Reason").fill("issued in error")
        issuer.once("dialog", lambda d: asyncio.ensure_future(d.dismiss()))
        await issuer.get_by_role("button", name="Revoke").click()  # asked, and declined
        await expect(issuer.get_by_role("button", name="Revoke")).to_be_enabled()
        await public.reload()
        await expect(public.get_by_role("status")).to_contain_text("Valid credential")
        issuer.once("dialog", lambda d: asyncio.ensure_future(d.accept()))
        await _act(issuer, issuer.get_by_role("button", name="Revoke"))
        await expect(issuer.get_by_text("Revoked: issued in error")).to_be_visible()
        await public.reload()
        await expect(public.get_by_role("status")).to_contain_text("Not valid")
        await cand.goto(case_url + "?lang=en")  # the candidate's own page says so too
        await expect(cand.locator("#credential-revoked")).to_contain_text("issued in error")

        # A session that ended says so, and signing in again goes back to the page.
        await issuer.context.clear_cookies()
        await issuer.get_by_label("URL").fill("http://127.0.0.1:9/other")
        await issuer.get_by_role("button", name="Subscribe").click()
        await issuer.wait_for_url(re.compile(r"/login\?expired=1&next=%2Fapp"))
        await expect(issuer.locator("#expired")).to_contain_text("Your session has ended")
        await issuer.get_by_label("E-mail").fill(emails["issuer"])
        await issuer.get_by_label("Password").fill(PASSWORD)
        await issuer.get_by_role("button", name="Sign in").click()
        await issuer.wait_for_url(re.compile(r"/app$"))
        # An address that does not exist is a page in the person's language.
        await issuer.goto("/app/cases/no-such-case?lang=pl")
        await expect(issuer.get_by_role("heading", level=1)).to_have_text("Nie ma takiej strony")
        await _accessible(issuer, "not found page")

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
