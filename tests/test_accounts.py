"""Accounts: password sign-in with session cookies and CSRF, invitations, roles in
several centres, bearer tokens choosing a membership; the throttle shared by API
processes, invitation tokens seen by the invitee only, the scheduled session purge and
the production secret key."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from pydantic import ValidationError
from sqlalchemy import select, update
from temporalio.client import ScheduleActionStartWorkflow

from activities.worker import SESSION_PURGE_SCHEDULE, ensure_session_purge_schedule
from api.main import create_app
from tests.conftest import Stack
from tests.factories import browser_client, invited, make_world, ok, registered
from vnfil.accounts.models import (
    Invitation,
    Membership,
    Notification,
    PasswordReset,
    SignInAttempts,
    User,
    WebSession,
)
from vnfil.accounts.schemas import SessionPurgeInput
from vnfil.accounts.service import (
    REDACTED_LINK,
    SESSION_DAYS,
    Why,
    hash_token,
    invitation_message_id,
    message_text,
    open_session,
    primary_membership,
)
from vnfil.platform.db import as_utc, utcnow
from vnfil.platform.settings import DEV_SECRET_KEY, Settings
from workflows.sessions import SessionPurge

PASSWORD = "correct horse battery"


async def test_password_sign_in_sets_a_safe_cookie_and_writes_need_csrf(stack: Stack) -> None:
    w = await make_world(stack)
    email = f"cand-{uuid.uuid4().hex[:8]}@test.example"
    ok(
        await w.http.post(
            "/users/register", json={"name": "Ola Żak", "email": email, "password": PASSWORD}
        ),
        201,
    )
    async with stack.sessions() as session:  # type: ignore[operator]
        stored = await session.scalar(select(User.password_hash).where(User.email == email))
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored

    async with browser_client(stack) as browser:
        r = await browser.post("/auth/login", json={"email": email, "password": "wrong password!"})
        assert r.status_code == 401
        unknown = await browser.post(
            "/auth/login", json={"email": "nobody@test.example", "password": PASSWORD}
        )
        assert unknown.status_code == 401 and unknown.json() == r.json()  # nothing revealed

        r = await browser.post("/auth/login", json={"email": email.upper(), "password": PASSWORD})
        signed_in = ok(r)
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "vnfil_session=" in cookie
        assert signed_in["membership"]["role"] == "candidate"
        me = ok(await browser.get("/me"))
        assert me["email"] == email and me["name"] == "Ola Żak"

        body = {"standard_id": w.standard_id, "centre_id": w.centre_id}
        r = await browser.post("/cases", json=body)
        assert r.status_code == 403 and "CSRF" in r.json()["detail"]
        r = await browser.post(
            "/cases", json=body, headers={"X-CSRF-Token": signed_in["csrf_token"]}
        )
        assert r.status_code == 201, r.text

        # Changing the password signs every browser out.
        r = await browser.put(
            "/me/password",
            json={"current_password": "not it at all", "new_password": "another long one"},
            headers={"X-CSRF-Token": signed_in["csrf_token"]},
        )
        assert r.status_code == 403
        r = await browser.put(
            "/me/password",
            json={"current_password": PASSWORD, "new_password": "short"},
            headers={"X-CSRF-Token": signed_in["csrf_token"]},
        )
        assert r.status_code == 422
        r = await browser.put(
            "/me/password",
            json={"current_password": PASSWORD, "new_password": "another long one"},
            headers={"X-CSRF-Token": signed_in["csrf_token"]},
        )
        assert r.status_code == 204
        assert (await browser.get("/me")).status_code == 401
        ok(await browser.post("/auth/login", json={"email": email, "password": "another long one"}))
        r = await browser.post("/auth/logout", headers={"X-CSRF-Token": "x"})
        assert r.status_code == 403  # logging out is a write too
        csrf = ok(await browser.get("/auth/session"))["csrf_token"]
        assert (
            await browser.post("/auth/logout", headers={"X-CSRF-Token": csrf})
        ).status_code == 204
        assert (await browser.get("/me")).status_code == 401


async def test_invited_person_holds_roles_in_two_centres_one_at_a_time(stack: Stack) -> None:
    a, b = await make_world(stack), await make_world(stack)
    email = f"staff-{uuid.uuid4().hex[:8]}@test.example"

    # Centre A invites a newcomer as assessor.
    inv_id, token = await invited(stack, a, email, "assessor")
    listed = ok(await a.http.get(f"/centres/{a.centre_id}/invitations", headers=a.admin.auth))
    inv = next(i for i in listed if i["id"] == inv_id)
    assert inv["role"] == "assessor" and inv["accepted_at"] is None
    r = await a.http.post(
        f"/centres/{b.centre_id}/invitations",
        json={"email": email, "role": "assessor"},
        headers=a.admin.auth,
    )
    assert r.status_code == 403  # not A's admin's centre
    r = await a.http.post(
        f"/centres/{a.centre_id}/invitations",
        json={"email": email, "role": "issuer"},
        headers=a.admin.auth,
    )
    assert r.status_code == 422
    r = await a.http.post(f"/invitations/{token}/acceptance", json={"password": PASSWORD})
    assert (r.status_code, r.json()["detail"]) == (401, Why.invitation_proof)  # name needed
    person = ok(
        await a.http.post(
            f"/invitations/{token}/acceptance",
            json={"name": "Piotr Wiśniewski", "password": PASSWORD},
        ),
        201,
    )
    assert person["role"] == "assessor" and person["centre_id"] == a.centre_id
    r = await a.http.post(
        f"/invitations/{token}/acceptance", json={"name": "X", "password": PASSWORD}
    )
    assert (r.status_code, r.json()["detail"]) == (409, Why.invitation_used)
    bearer = {"Authorization": f"Bearer {person['token']}"}

    # Centre B invites the same person as its admin: they prove who they are.
    _, token_b = await invited(stack, b, email, "centre_admin")
    r = await b.http.post(
        f"/invitations/{token_b}/acceptance", json={"password": "not the password"}
    )
    assert (r.status_code, r.json()["detail"]) == (401, Why.invitation_proof)
    ok(await b.http.post(f"/invitations/{token_b}/acceptance", json={"password": PASSWORD}), 201)

    me = ok(await a.http.get("/me", headers=bearer))
    assert me["role"] == "assessor"  # a plain token acts in the first membership
    roles = {(m["role"], m["centre_id"]): m["id"] for m in me["memberships"]}
    assert set(roles) == {("assessor", a.centre_id), ("centre_admin", b.centre_id)}
    admin_b = roles[("centre_admin", b.centre_id)]

    # As assessor: no centre figures anywhere. As B's admin: B's, never A's.
    assert (await a.http.get(f"/centres/{a.centre_id}/figures", headers=bearer)).status_code == 403
    as_b = {**bearer, "X-Vnfil-Membership": admin_b}
    ok(await a.http.get(f"/centres/{b.centre_id}/figures", headers=as_b))
    assert (await a.http.get(f"/centres/{a.centre_id}/figures", headers=as_b)).status_code == 403
    other = {**bearer, "X-Vnfil-Membership": a.admin.id}
    assert (await a.http.get("/me", headers=other)).status_code == 403  # not theirs

    # The web session switches between them.
    async with browser_client(stack) as browser:
        s = ok(await browser.post("/auth/login", json={"email": email, "password": PASSWORD}))
        assert s["membership"]["role"] == "assessor"
        assert (await browser.get(f"/centres/{b.centre_id}/figures")).status_code == 403
        s = ok(
            await browser.post(
                "/auth/membership",
                json={"membership_id": admin_b},
                headers={"X-CSRF-Token": s["csrf_token"]},
            )
        )
        assert s["membership"]["role"] == "centre_admin"
        ok(await browser.get(f"/centres/{b.centre_id}/figures"))
        r = await browser.post(
            "/auth/membership",
            json={"membership_id": roles[("assessor", a.centre_id)] + "x"},
            headers={"X-CSRF-Token": s["csrf_token"]},
        )
        assert r.status_code == 403

    # An expired invitation is refused.
    late_id, late = await invited(
        stack, a, f"late-{uuid.uuid4().hex[:6]}@test.example", "counsellor"
    )
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        await session.execute(
            update(Invitation)
            .where(Invitation.id == late_id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    r = await a.http.post(
        f"/invitations/{late}/acceptance", json={"name": "Late", "password": PASSWORD}
    )
    assert (r.status_code, r.json()["detail"]) == (410, Why.invitation_expired)
    r = await a.http.post("/invitations/inv_nope/acceptance", json={"password": PASSWORD})
    assert (r.status_code, r.json()["detail"]) == (404, Why.no_invitation)
    listed = ok(await a.http.get(f"/centres/{a.centre_id}/invitations", headers=a.admin.auth))
    assert {i["id"] for i in listed} >= {inv_id, late_id}


async def test_an_invitation_token_reaches_only_the_invitee(stack: Stack) -> None:
    """The inviter never sees the token; the database keeps its digest and, in the
    outbox, a sealed text (the readable body has the link redacted)."""
    w = await make_world(stack)
    email = f"inv-{uuid.uuid4().hex[:8]}@test.example"
    r = await w.http.post(
        f"/centres/{w.centre_id}/invitations",
        json={"email": email, "role": "assessor"},
        headers=w.admin.auth,
    )
    assert r.status_code == 201 and "token" not in r.json()
    inv_id = r.json()["id"]
    async with stack.sessions() as session:  # type: ignore[operator]
        inv = await session.get(Invitation, inv_id)
        row = await session.get(Notification, invitation_message_id(inv_id))
    assert inv is not None and row is not None
    text = message_text(row, stack.settings.secret_key)
    token = re.search(r"/invitations/(inv_[A-Za-z0-9_-]+)", text).group(1)  # type: ignore[union-attr]
    # The invitations table: the SHA-256 only.
    assert inv.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not any(token in str(v) for v in vars(inv).values())
    # The outbox: no usable token without the server secret.
    assert token not in row.body and REDACTED_LINK in row.body
    assert row.sealed_body is not None and token.encode() not in row.sealed_body
    with pytest.raises(ValueError, match="cannot unseal"):
        message_text(row, "another server's secret key, 32+ characters")
    # Not in any answer the inviter gets.
    listed = await w.http.get(f"/centres/{w.centre_id}/invitations", headers=w.admin.auth)
    assert token not in listed.text and token not in r.text
    # The invitee's link works.
    ok(
        await w.http.post(
            f"/invitations/{token}/acceptance", json={"name": "Ada", "password": PASSWORD}
        ),
        201,
    )


async def test_acceptance_is_throttled_with_sign_in_and_tells_no_one_who_has_an_account(
    stack: Stack,
) -> None:
    w = await make_world(stack)
    member = await registered(stack, PASSWORD)  # has an account
    newcomer = f"new-{uuid.uuid4().hex[:8]}@test.example"  # has none
    _, member_token = await invited(stack, w, member, "assessor")
    _, new_token = await invited(stack, w, newcomer, "assessor")

    # A wrong password (account) and a missing name (no account): one refusal.
    answers = [
        await w.http.post(f"/invitations/{t}/acceptance", json={"password": "wrong guess 1"})
        for t in (member_token, new_token)
    ]
    assert {(r.status_code, r.json()["detail"]) for r in answers} == {(401, Why.invitation_proof)}
    # Guessing through the invitation counts with sign-in: four more and both are locked,
    # for the account as for the address without one (nothing told apart there either).
    for t in (member_token, new_token):
        for _ in range(4):
            r = await w.http.post(f"/invitations/{t}/acceptance", json={"password": "guess 12345"})
            assert r.status_code == 401
    for t, body in (
        (member_token, {"password": PASSWORD}),
        (new_token, {"name": "New", "password": PASSWORD}),
    ):
        r = await w.http.post(f"/invitations/{t}/acceptance", json=body)
        assert (r.status_code, r.json()["detail"]) == (429, Why.throttled)
    r = await w.http.post("/auth/login", json={"email": member, "password": PASSWORD})
    assert (r.status_code, r.json()["detail"]) == (429, Why.throttled)


async def test_the_sign_in_throttle_is_shared_by_api_processes(stack: Stack) -> None:
    """Two apps on one database (as two API processes): one count; parallel guesses
    are counted before any password is compared, so no more than five are tried."""
    email = await registered(stack, PASSWORD)
    apps = [create_app(stack.settings), create_app(stack.settings)]
    async with apps[0].router.lifespan_context(apps[0]), apps[1].router.lifespan_context(apps[1]):
        clients = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
            for app in apps
        ]
        try:
            for i in range(5):  # alternating between the processes
                r = await clients[i % 2].post(
                    "/auth/login", json={"email": email, "password": "wrong guess!"}
                )
                assert (r.status_code, r.json()["detail"]) == (401, Why.wrong_login)
            for client in clients:
                r = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
                assert (r.status_code, r.json()["detail"]) == (429, Why.throttled)

            other = await registered(stack, PASSWORD)
            answers = await asyncio.gather(
                *(
                    clients[i % 2].post(
                        "/auth/login", json={"email": other, "password": f"wrong guess {i}"}
                    )
                    for i in range(12)
                )
            )
            codes = sorted(r.status_code for r in answers)
            assert codes == [401] * 5 + [429] * 7, codes
        finally:
            for client in clients:
                await client.aclose()


async def test_registrations_of_one_address_at_once_make_one_account(stack: Stack) -> None:
    """Check-then-insert raced: the loser is told the address is taken (409), not a 500."""
    email = f"race-{uuid.uuid4().hex[:8]}@test.example"
    answers = await asyncio.gather(
        *(
            stack.http.post("/users/register", json={"name": f"R{i}", "email": email})
            for i in range(8)
        )
    )
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] + [409] * 7, [r.text for r in answers]
    assert {r.json()["detail"] for r in answers if r.status_code == 409} == {
        f"{email} is already registered"
    }
    async with stack.sessions() as session:
        rows = await session.scalars(select(User).where(User.email == email))
        assert len(rows.all()) == 1


async def test_concurrent_acceptances_of_one_invitation_one_wins(stack: Stack) -> None:
    w = await make_world(stack)
    # A newcomer (two accounts for one address would be the 500) ...
    inv_id, token = await invited(stack, w, f"race-{uuid.uuid4().hex[:8]}@test.example", "assessor")
    answers = await asyncio.gather(
        *(
            w.http.post(
                f"/invitations/{token}/acceptance", json={"name": f"R{i}", "password": PASSWORD}
            )
            for i in range(4)
        )
    )
    won = [r for r in answers if r.status_code == 201]
    lost = [(r.status_code, r.json()["detail"]) for r in answers if r.status_code != 201]
    assert len(won) == 1 and len(lost) == 3, [r.text for r in answers]
    assert set(lost) <= {(409, Why.invitation_used), (409, Why.accepted_meanwhile)}
    async with stack.sessions() as session:  # type: ignore[operator]
        inv = await session.get(Invitation, inv_id)
        assert inv is not None and inv.accepted_by == won[0].json()["id"]
    # ... and someone with an account (two memberships would be).
    member = await registered(stack, PASSWORD)
    _, token = await invited(stack, w, member, "counsellor")
    answers = await asyncio.gather(
        *(
            w.http.post(f"/invitations/{token}/acceptance", json={"password": PASSWORD})
            for _ in range(3)
        )
    )
    assert sorted(r.status_code for r in answers) == [201, 409, 409], [r.text for r in answers]
    me = ok(await w.http.get("/me", headers={"Authorization": f"Bearer {won[0].json()['token']}"}))
    assert len(me["memberships"]) == 1
    async with stack.sessions() as session:  # type: ignore[operator]
        user_id = await session.scalar(select(User.id).where(User.email == member))
        roles = list(
            await session.scalars(select(Membership.role).where(Membership.user_id == user_id))
        )
    assert sorted(roles) == ["candidate", "counsellor"]


async def test_an_external_oidc_identity_links_only_through_a_verified_email(stack: Stack) -> None:
    from vnfil.accounts.service import user_for_oidc

    w = await make_world(stack)
    me = ok(await w.http.get("/me", headers=w.admin.auth))
    issuer = "https://login.example.org/realms/vnfil"
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        assert (
            await user_for_oidc(
                session, issuer=issuer, subject="s-1", email=me["email"], email_verified=False
            )
            is None
        )
        linked = await user_for_oidc(
            session, issuer=issuer, subject="s-1", email=me["email"], email_verified=True
        )
        assert linked is not None and linked.id == me["id"]
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        # From now on the subject alone finds the account, whatever the e-mail claim says.
        again = await user_for_oidc(
            session, issuer=issuer, subject="s-1", email="other@x.example", email_verified=False
        )
        assert again is not None and again.id == me["id"]
        stranger = await user_for_oidc(
            session, issuer=issuer, subject="s-2", email="nobody@x.example", email_verified=True
        )
        assert stranger is None  # no account is created: staff are invited, candidates register


async def test_expired_sessions_stop_working_and_are_purged(stack: Stack) -> None:
    from vnfil.accounts.models import WebSession

    email = await registered(stack, PASSWORD)
    async with browser_client(stack) as browser:
        ok(await browser.post("/auth/login", json={"email": email, "password": PASSWORD}))
        async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
            user_id = await session.scalar(select(User.id).where(User.email == email))
            await session.execute(
                update(WebSession)
                .where(WebSession.user_id == user_id)
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
        assert (await browser.get("/me")).status_code == 401
        ok(await browser.post("/auth/login", json={"email": email, "password": PASSWORD}))
        async with stack.sessions() as session:  # type: ignore[operator]
            left = list(
                await session.scalars(select(WebSession).where(WebSession.user_id == user_id))
            )
        assert len(left) == 1 and as_utc(left[0].expires_at) > utcnow()


async def test_expired_sessions_of_everyone_are_purged_by_a_schedule(stack: Stack) -> None:
    """The hourly ``SessionPurge`` deletes expired sessions (in batches) and ended
    throttle windows, and nothing else."""
    email = await registered(stack, PASSWORD)
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        user = await session.scalar(select(User).where(User.email == email))
        assert user is not None
        membership = await primary_membership(session, user)
        live = (await open_session(session, user, membership))[1].id_hash
        long_ago = utcnow() - timedelta(days=SESSION_DAYS + 1)
        expired = [
            (await open_session(session, user, membership, long_ago))[1].id_hash for _ in range(3)
        ]
        stale, fresh = uuid.uuid4().hex, uuid.uuid4().hex
        session.add_all(
            [
                SignInAttempts(key=stale, attempts=5, window_start=utcnow() - timedelta(hours=1)),
                SignInAttempts(key=fresh, attempts=2, window_start=utcnow()),
            ]
        )
    report = await stack.client.execute_workflow(
        SessionPurge.run,
        SessionPurgeInput(batch_size=2),
        id=f"session-purge-test-{uuid.uuid4()}",
        task_queue=stack.settings.task_queue,
    )
    assert report.sessions_removed >= 3 and report.attempts_removed >= 1
    async with stack.sessions() as session:  # type: ignore[operator]
        left = set(
            await session.scalars(
                select(WebSession.id_hash).where(WebSession.id_hash.in_([*expired, live]))
            )
        )
        keys = set(
            await session.scalars(
                select(SignInAttempts.key).where(SignInAttempts.key.in_([stale, fresh]))
            )
        )
    assert left == {live} and keys == {fresh}

    # The worker process creates the schedule once. (An id of this test's own: the
    # Temporal server is shared by the runs on each database, and a deleted schedule
    # lingers for a moment.)
    schedule_id = f"{SESSION_PURGE_SCHEDULE}-{uuid.uuid4().hex[:8]}"
    try:
        assert await ensure_session_purge_schedule(stack.client, stack.settings, schedule_id)
        assert not await ensure_session_purge_schedule(stack.client, stack.settings, schedule_id)
        described = await stack.client.get_schedule_handle(schedule_id).describe()
        action = described.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow) and action.workflow == "SessionPurge"
        assert described.schedule.spec.intervals[0].every == timedelta(hours=1)
    finally:
        await stack.client.get_schedule_handle(schedule_id).delete()


@pytest.mark.parametrize(
    "key",
    [
        "short-but-random-Q7x",  # < 32 characters
        "a" * 64,  # one character
        "ab" * 32,  # two
        "0123456701234567012345670123456701234567",  # eight
    ],
)
def test_a_weak_secret_key_is_refused_in_production(key: str) -> None:
    with pytest.raises(ValidationError, match="VNFIL_SECRET_KEY is too weak"):
        Settings(environment="production", s3_secret_key="a real one", secret_key=key)
    Settings(environment="development", secret_key=key)  # only production insists


@pytest.mark.parametrize(
    "url",
    [
        "http://validation.example.pl",
        "https://127.0.0.1",
        "https://localhost:8443",
        "https://[::1]",
        "https://10.0.0.7/vnfil",
        "https://0.0.0.0",
        "https://[2001:db8::1]:8443",  # an address did:web cannot write
        "https://198.51.100.7",  # public, but an address: credentials outlive it
    ],
)
def test_production_refuses_a_public_url_that_is_not_public_https(url: str) -> None:
    """Awarding bodies are did:web under the public URL: verifiers must reach it."""
    strong = secrets.token_urlsafe(48)
    with pytest.raises(ValidationError, match="VNFIL_PUBLIC_BASE_URL must be the public https"):
        Settings(
            environment="production", s3_secret_key="x", secret_key=strong, public_base_url=url
        )
    Settings(environment="development", public_base_url=url)  # only production insists


@pytest.mark.parametrize(
    "url", ["https://v.example/a%20b", "https://v.example/?x=1", "https://u@v.example", "ftp://v"]
)
def test_a_public_url_did_web_could_not_carry_is_refused_everywhere(url: str) -> None:
    with pytest.raises(ValidationError, match="VNFIL_PUBLIC_BASE_URL must"):
        Settings(public_base_url=url)


def test_the_public_url_loses_its_trailing_slash() -> None:
    """Ids append paths to it: ``https://v.example//issuers/x`` would name nothing."""
    assert Settings(public_base_url="https://v.example/vnfil/").public_base_url == (
        "https://v.example/vnfil"
    )


def test_a_strong_secret_key_is_taken_and_production_compose_passes_it() -> None:
    strong = secrets.token_urlsafe(48)
    public = "https://validation.example.pl"
    assert Settings(
        environment="production", s3_secret_key="x", secret_key=strong, public_base_url=public
    ).secret_key
    with pytest.raises(ValidationError, match="development default"):
        Settings(environment="production", s3_secret_key="x", secret_key=DEV_SECRET_KEY)
    compose = yaml.safe_load(
        (Path(__file__).parent.parent / "infra/production/compose.yaml").read_text()
    )
    for service in ("migrate", "api", "worker"):
        value = compose["services"][service]["environment"]["VNFIL_SECRET_KEY"]
        assert value.startswith("${VNFIL_SECRET_KEY:?"), (service, value)  # required


async def _reset_link(stack: Stack, email: str) -> list[str]:
    """The tokens of every password-reset link in the account's outbox, as its mailbox
    reads them (the readable body has the link redacted)."""
    async with stack.sessions() as session:  # type: ignore[operator]
        user = await session.scalar(select(User).where(User.email == email))
        assert user is not None
        rows = (
            await session.scalars(
                select(Notification)
                .where(
                    Notification.recipient_id == user.id, Notification.template == "password-reset"
                )
                .order_by(Notification.created_at)
            )
        ).all()
    tokens = []
    for row in rows:
        assert "pwr_" not in row.body and "[sent by e-mail only]" in row.body
        found = re.search(
            r"/password-reset/(pwr_[A-Za-z0-9_-]+)", message_text(row, stack.settings.secret_key)
        )
        assert found
        tokens.append(found[1])
    return tokens


async def test_a_forgotten_password_is_reset_once_by_the_link_e_mailed(stack: Stack) -> None:
    await make_world(stack)
    email = await registered(stack, PASSWORD)
    async with browser_client(stack) as browser:
        old = ok(await browser.post("/auth/login", json={"email": email, "password": PASSWORD}))
        assert old["membership"]["role"] == "candidate"
        asked = await browser.post("/auth/password-reset", json={"email": email.upper()})
        nobody = await browser.post("/auth/password-reset", json={"email": "no@test.example"})
        assert asked.status_code == nobody.status_code == 202
        assert asked.json() == nobody.json()  # nothing told about who has an account
        [token] = await _reset_link(stack, email)

        page = await browser.get(f"/password-reset/{token}?lang=pl")
        assert page.status_code == 200 and "Co najmniej 10 znaków" in page.text
        short = await browser.post(f"/auth/password-reset/{token}", json={"new_password": "short"})
        assert short.status_code == 422
        new = "a brand new passphrase"
        r = await browser.post(f"/auth/password-reset/{token}", json={"new_password": new})
        assert r.status_code == 204
        # The browser that was signed in is signed out; the old password no longer works.
        assert (await browser.get("/me")).status_code == 401
        assert (
            await browser.post("/auth/login", json={"email": email, "password": PASSWORD})
        ).status_code == 401
        ok(await browser.post("/auth/login", json={"email": email, "password": new}))
        # The link works once.
        again = await browser.post(f"/auth/password-reset/{token}", json={"new_password": new})
        # In Polish: this browser chose it on the reset page.
        assert again.status_code == 409 and "został już użyty" in again.json()["detail"]
        spent = await browser.get(f"/password-reset/{token}?lang=en")
        assert spent.status_code == 410 and "This link was already used" in spent.text
        unknown = await browser.post("/auth/password-reset/pwr_nope", json={"new_password": new})
        assert unknown.status_code == 404

        # An hour later it would have expired; and an account gets 3 links an hour at most.
        async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
            await session.execute(
                update(PasswordReset).values(
                    created_at=utcnow() - timedelta(minutes=61),
                    expires_at=utcnow() - timedelta(minutes=1),
                )
            )
        for _ in range(5):
            assert (
                await browser.post("/auth/password-reset", json={"email": email})
            ).status_code == 202
        tokens = await _reset_link(stack, email)
        assert len(tokens) == 1 + 3
        late = await browser.post(f"/auth/password-reset/{tokens[0]}", json={"new_password": new})
        assert late.status_code == 409  # the first was used
        fresh = tokens[1:]
        async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
            await session.execute(
                update(PasswordReset)
                .where(PasswordReset.token_hash == hash_token(fresh[2]))
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
        expired = await browser.post(f"/auth/password-reset/{fresh[2]}", json={"new_password": new})
        assert expired.status_code == 410 and "expired" in expired.json()["detail"]  # en now
        # Using one link spends the account's other links too.
        used = await browser.post(f"/auth/password-reset/{fresh[0]}", json={"new_password": new})
        assert used.status_code == 204
        rest = await browser.post(f"/auth/password-reset/{fresh[1]}", json={"new_password": new})
        assert rest.status_code == 409


async def test_a_reset_ends_the_api_token_and_a_new_one_is_made_with_the_password(
    stack: Stack,
) -> None:
    email = f"c-{uuid.uuid4().hex[:10]}@test.example"
    made = ok(
        await stack.http.post(
            "/users/register", json={"name": "Ola", "email": email, "password": PASSWORD}
        ),
        201,
    )
    old = {"Authorization": f"Bearer {made['token']}"}
    assert (await stack.http.get("/me", headers=old)).status_code == 200
    async with browser_client(stack) as browser:
        ok(await browser.post("/auth/password-reset", json={"email": email}), 202)
        [token] = await _reset_link(stack, email)
        new = "another brand new passphrase"
        r = await browser.post(f"/auth/password-reset/{token}", json={"new_password": new})
        assert r.status_code == 204
        # Whoever held the old token is out too.
        assert (await stack.http.get("/me", headers=old)).status_code == 401
        signed_in = ok(await browser.post("/auth/login", json={"email": email, "password": new}))
        csrf = {"X-CSRF-Token": signed_in["csrf_token"]}
        wrong = await browser.post("/me/token", json={"password": PASSWORD}, headers=csrf)
        assert wrong.status_code == 403 and "password is wrong" in wrong.json()["detail"]
        minted = ok(await browser.post("/me/token", json={"password": new}, headers=csrf), 201)
    fresh = {"Authorization": f"Bearer {minted['token']}"}
    assert ok(await stack.http.get("/me", headers=fresh))["email"] == email
    # A second one replaces it.
    again = ok(await stack.http.post("/me/token", json={"password": new}, headers=fresh), 201)
    assert (await stack.http.get("/me", headers=fresh)).status_code == 401
    assert (
        await stack.http.get("/me", headers={"Authorization": f"Bearer {again['token']}"})
    ).status_code == 200
