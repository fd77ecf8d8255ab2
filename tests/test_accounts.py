"""Accounts: password sign-in with session cookies and CSRF, invitations, roles in
several centres, bearer tokens choosing a membership."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from tests.conftest import Stack
from tests.factories import browser_client, make_world, ok, registered
from vnfil.models import Invitation, User, as_utc, utcnow

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
    inv = ok(
        await a.http.post(
            f"/centres/{a.centre_id}/invitations",
            json={"email": email, "role": "assessor"},
            headers=a.admin.auth,
        ),
        201,
    )
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
    r = await a.http.post(f"/invitations/{inv['token']}/acceptance", json={"password": PASSWORD})
    assert r.status_code == 422  # a newcomer gives a name
    person = ok(
        await a.http.post(
            f"/invitations/{inv['token']}/acceptance",
            json={"name": "Piotr Wiśniewski", "password": PASSWORD},
        ),
        201,
    )
    assert person["role"] == "assessor" and person["centre_id"] == a.centre_id
    r = await a.http.post(
        f"/invitations/{inv['token']}/acceptance", json={"name": "X", "password": PASSWORD}
    )
    assert r.status_code == 409
    token = {"Authorization": f"Bearer {person['token']}"}

    # Centre B invites the same person as its admin: they prove who they are.
    inv_b = ok(
        await b.http.post(
            f"/centres/{b.centre_id}/invitations",
            json={"email": email, "role": "centre_admin"},
            headers=b.admin.auth,
        ),
        201,
    )
    r = await b.http.post(
        f"/invitations/{inv_b['token']}/acceptance", json={"password": "not the password"}
    )
    assert r.status_code == 403
    ok(
        await b.http.post(f"/invitations/{inv_b['token']}/acceptance", json={"password": PASSWORD}),
        201,
    )

    me = ok(await a.http.get("/me", headers=token))
    assert me["role"] == "assessor"  # a plain token acts in the first membership
    roles = {(m["role"], m["centre_id"]): m["id"] for m in me["memberships"]}
    assert set(roles) == {("assessor", a.centre_id), ("centre_admin", b.centre_id)}
    admin_b = roles[("centre_admin", b.centre_id)]

    # As assessor: no centre figures anywhere. As B's admin: B's, never A's.
    assert (await a.http.get(f"/centres/{a.centre_id}/figures", headers=token)).status_code == 403
    as_b = {**token, "X-Vnfil-Membership": admin_b}
    ok(await a.http.get(f"/centres/{b.centre_id}/figures", headers=as_b))
    assert (await a.http.get(f"/centres/{a.centre_id}/figures", headers=as_b)).status_code == 403
    other = {**token, "X-Vnfil-Membership": a.admin.id}
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
    late = ok(
        await a.http.post(
            f"/centres/{a.centre_id}/invitations",
            json={"email": f"late-{uuid.uuid4().hex[:6]}@test.example", "role": "counsellor"},
            headers=a.admin.auth,
        ),
        201,
    )
    async with stack.sessions.begin() as session:  # type: ignore[attr-defined]
        await session.execute(
            update(Invitation)
            .where(Invitation.id == late["id"])
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    r = await a.http.post(
        f"/invitations/{late['token']}/acceptance", json={"name": "Late", "password": PASSWORD}
    )
    assert r.status_code == 410
    assert (
        await a.http.post("/invitations/inv_nope/acceptance", json={"password": PASSWORD})
    ).status_code == 404
    listed = ok(await a.http.get(f"/centres/{a.centre_id}/invitations", headers=a.admin.auth))
    assert {i["id"] for i in listed} >= {inv["id"], late["id"]}


async def test_an_external_oidc_identity_links_only_through_a_verified_email(stack: Stack) -> None:
    from vnfil.accounts import user_for_oidc

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
    from vnfil.models import WebSession

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
