"""The outbox is delivered by SMTP when a server is configured (a real one, on loopback)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from sqlalchemy import select

from activities.worker import build_worker
from api.main import create_app
from tests.conftest import Stack, make_settings
from tests.factories import Person, browser_client, certified_case, make_world, new_case, ok
from vnfil.accounts.models import Notification
from vnfil.platform.embedded import free_port


class Inbox(Sink):
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    async def wait(self, n: int) -> None:
        for _ in range(100):
            if len(self.messages) >= n:
                return
            await asyncio.sleep(0.1)


@pytest.fixture
async def mailed(
    stack, database, s3_server, temporal_env, tmp_path: Path
) -> AsyncIterator[tuple[Stack, Inbox]]:
    """The same stores, with an API and a worker that e-mail through a real SMTP server."""
    inbox = Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    settings = make_settings(
        database,
        s3_server,
        temporal_env,
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="centre@vnfil.example",
    )
    settings.s3_bucket = stack.settings.s3_bucket
    app = create_app(settings)
    try:
        async with build_worker(temporal_env.client, settings), app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://t", timeout=60
            ) as http:
                yield Stack(settings, temporal_env.client, http, stack.store, stack.sessions), inbox
    finally:
        smtp.stop()


async def test_withdrawal_notices_are_emailed(mailed) -> None:
    stack, inbox = mailed
    w = await make_world(stack)
    run = await new_case(w)
    ok(
        await w.http.post(
            f"{run.url}/withdrawal", json={"reason": "new job abroad"}, headers=run.candidate.auth
        )
    )
    await inbox.wait(2)
    recipients = sorted(r for to, _ in inbox.messages for r in to)
    assert len(recipients) == 2 and all(r.endswith("@test.example") for r in recipients)
    body = inbox.messages[0][1].decode()
    assert "was withdrawn" in body and "new job abroad" in body and "centre@vnfil.example" in body
    for _ in range(50):  # each row is marked sent right after its message went
        async with stack.sessions() as session:  # type: ignore[operator]
            sent = list(
                await session.scalars(
                    select(Notification.sent_at).where(Notification.case_id == run.case_id)
                )
            )
        if len(sent) == 2 and all(sent):
            break
        await asyncio.sleep(0.1)
    assert len(sent) == 2 and all(sent)


async def test_an_invitation_is_emailed_with_a_link_that_works(mailed) -> None:
    stack, inbox = mailed
    w = await make_world(stack)
    inv = ok(
        await w.http.post(
            f"/centres/{w.centre_id}/invitations",
            json={"email": "Nowy.Asesor@Test.Example", "role": "assessor"},
            headers=w.admin.auth,
        ),
        201,
    )
    await inbox.wait(1)
    [(to, raw)] = inbox.messages
    text = raw.decode()
    assert to == ["nowy.asesor@test.example"]
    assert "You are invited to" in text and "as assessor" in text
    link = re.search(r"/invitations/(inv_[A-Za-z0-9_-]+)", text)
    assert link and "token" not in inv  # the link reached the invitee only
    accepted = ok(
        await w.http.post(
            f"/invitations/{link.group(1)}/acceptance",
            json={"name": "Nowy Asesor", "password": "a good long password"},
        ),
        201,
    )
    assert accepted["role"] == "assessor" and accepted["centre_id"] == w.centre_id
    for _ in range(50):
        async with stack.sessions() as session:  # type: ignore[operator]
            row = await session.get(Notification, f"invitation:{inv['id']}")
        if row is not None and row.sent_at is not None:
            break
        await asyncio.sleep(0.1)
    assert row is not None and row.sent_at is not None and row.case_id is None
    # Once sent, the outbox keeps no usable link: the sealed text is gone, the body redacted.
    assert row.sealed_body is None and link.group(1) not in row.body


def _mail(raw: bytes) -> tuple[str, str]:
    """A received e-mail's subject and text, decoded as a mail program shows them."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    body = message.get_body(("plain",))
    assert body is not None
    return str(message["Subject"]), body.get_content()


async def test_messages_are_in_each_persons_language_and_a_revocation_is_emailed(
    mailed,
) -> None:
    stack, inbox = mailed
    w = await make_world(stack)
    run, status = await certified_case(w)
    await inbox.wait(4)
    candidate = ok(await w.http.get("/me", headers=run.candidate.auth))["email"]
    # Nobody chose a language yet: English, then Polish, in one message.
    result = next(
        _mail(raw) for to, raw in inbox.messages if to == [candidate] and b"appeal" in raw
    )
    assert result[0].startswith("Your validation result is ready")
    assert "the panel has decided" in result[1] and "komisja podjęła decyzję" in result[1]
    # The candidate chooses Polish; the revocation reaches them by e-mail, in Polish only.
    chosen = await w.http.put(
        "/me/preferences", json={"language": "pl"}, headers=run.candidate.auth
    )
    assert chosen.status_code == 200, chosen.text
    before = len(inbox.messages)
    ok(
        await w.http.post(
            f"/credentials/{status['credential_id']}/revocation",
            json={"reason": "dowody nie były własne"},
            headers=w.admin.auth,
        )
    )
    await inbox.wait(before + 1)
    [(to, raw)] = inbox.messages[before:]
    subject, text = _mail(raw)
    assert to == [candidate]
    assert subject.startswith("Twoje poświadczenie zostało unieważnione")
    assert "Podany powód: dowody nie były własne" in text and "Dear" not in text


async def test_an_invitation_made_at_the_shell_is_emailed_too(mailed) -> None:
    """``vnfil institutions invite`` hands its message to the mailer as the API does."""
    import uuid

    from typer.testing import CliRunner

    from tests.factories import operator
    from vnfil.cli import app as cli
    from vnfil.platform.settings import get_settings

    stack, inbox = mailed
    w = await make_world(stack)
    await operator(stack)
    env = {k: str(v) for k, v in stack.settings.as_env().items()} | {"COLUMNS": "200"}
    env |= {
        "VNFIL_SMTP_HOST": stack.settings.smtp_host or "",
        "VNFIL_SMTP_PORT": str(stack.settings.smtp_port),
        "VNFIL_SMTP_FROM": stack.settings.smtp_from,
    }
    address = f"admin-{uuid.uuid4().hex[:8]}@test.example"

    def run() -> object:
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(
                cli, ["institutions", "invite", address, "--centre", w.centre_id], env=env
            )
        finally:
            get_settings.cache_clear()

    said = await asyncio.to_thread(run)
    assert said.exit_code == 0 and "(centre_admin)" in said.output, said.output  # type: ignore[attr-defined]
    assert "waits in the outbox" not in said.output  # type: ignore[attr-defined]
    await inbox.wait(1)
    [(to, raw)] = [(t, r) for t, r in inbox.messages if address in t]
    assert "/invitations/inv_" in raw.decode()


async def test_every_hand_off_reaches_the_next_person_and_is_read_in_the_centre(stack) -> None:
    w = await make_world(stack)
    run, status = await certified_case(w)
    assert run.assessors and run.supervisor

    async def notices(person: Person) -> list[dict]:
        return ok(await w.http.get("/me/notifications", headers=person.auth))

    def templates(listed: list[dict]) -> list[str]:
        return sorted(n["template"] for n in listed)

    for member in [*run.assessors, run.supervisor]:
        [panel] = await notices(member)
        assert panel["template"] == "panel-assigned" and run.case_id in panel["subject"]
    mine = await notices(run.candidate)
    assert templates(mine) == ["credential-issued", "result-ready"]
    result = next(n for n in mine if n["template"] == "result-ready")
    assert "You may accept it, or appeal until" in result["body"]
    assert all(n["read_at"] is None for n in mine)
    # Revoked: the candidate is told why.
    ok(
        await w.http.post(
            f"/credentials/{status['credential_id']}/revocation",
            json={"reason": "the evidence was not the candidate's own"},
            headers=w.admin.auth,
        )
    )
    mine = await notices(run.candidate)
    revoked = next(n for n in mine if n["template"] == "credential-revoked")
    assert "the evidence was not the candidate's own" in revoked["body"]
    # The header counts what is unread; the centre lists it and marks it read.
    page = await _page(stack, run.candidate)
    try:
        shown = await page.get("/app/notifications")
        assert re.search(r'id="unread">3<', shown.text), shown.text[:2000]
        assert "Your credential was revoked" in shown.text
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', shown.text)
        assert csrf
        read = await page.post("/me/notifications/read", headers={"X-CSRF-Token": csrf[1]})
        assert read.status_code == 204
        assert 'id="unread"' not in (await page.get("/app")).text
        assert all(n["read_at"] for n in await notices(run.candidate))
        # Messages by e-mail too, or only here.
        prefs = await page.put(
            "/me/preferences", json={"email_notices": False}, headers={"X-CSRF-Token": csrf[1]}
        )
        assert prefs.status_code == 200
        assert prefs.json() == {"email_notices": False, "language": None}
        # The language is kept on the account: any browser of theirs starts in it, and a
        # choice made in one browser (its cookie) still wins there.
        chosen = await page.put(
            "/me/preferences", json={"language": "pl"}, headers={"X-CSRF-Token": csrf[1]}
        )
        assert chosen.json() == {"email_notices": False, "language": "pl"}
        assert 'lang="pl"' in (await page.get("/app")).text.split(">")[1]
        english = await page.get("/app?lang=en")
        assert (
            'html lang="en"' in english.text and 'html lang="en"' in (await page.get("/app")).text
        )
        wrong = await page.put(
            "/me/preferences", json={"language": "de"}, headers={"X-CSRF-Token": csrf[1]}
        )
        assert wrong.status_code == 422
        assert (
            "checked"
            not in (await page.get("/app/notifications")).text.split('id="email-notices"')[1][:40]
        )
    finally:
        await page.aclose()


async def _page(stack, person: Person) -> httpx.AsyncClient:
    """A browser signed in as ``person`` (pages read the session cookie)."""
    me = ok(await stack.http.get("/me", headers=person.auth))
    r = await stack.http.put(
        "/me/password", json={"new_password": "notices password 1"}, headers=person.auth
    )
    assert r.status_code == 204
    browser = browser_client(stack)
    ok(
        await browser.post(
            "/auth/login", json={"email": me["email"], "password": "notices password 1"}
        )
    )
    return browser
