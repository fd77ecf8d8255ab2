"""Signing in on the web (password → session cookie), memberships, invitations."""

from __future__ import annotations

import logging
import time

from fastapi import APIRouter, HTTPException, Request, Response, status
from sqlalchemy import delete, select
from temporalio.service import RPCError

from api.deps import (
    SESSION_COOKIE,
    CurrentUser,
    Principal,
    SessionDep,
    SettingsDep,
    TemporalDep,
    ThrottleDep,
    principal_of,
    require_roles,
)
from vnfil.accounts import (
    SESSION_DAYS,
    LoginThrottle,
    add_membership,
    create_user,
    hash_password,
    invitation_by_token,
    invite,
    memberships_of,
    open_session,
    password_matches,
    primary_membership,
    session_by_cookie,
    user_by_email,
)
from vnfil.models import (
    Centre,
    Invitation,
    Membership,
    Notification,
    Role,
    User,
    WebSession,
    as_utc,
    utcnow,
)
from vnfil.rendering import render_message
from vnfil.schemas import (
    InvitationAcceptance,
    InvitationCreate,
    InvitationLink,
    InvitationRead,
    LoginInput,
    MembershipRead,
    MembershipSwitch,
    PasswordChange,
    SessionRead,
    UserRead,
    UserWithToken,
)
from vnfil.settings import Settings
from workflows.delivery import MessageDelivery

router = APIRouter(tags=["accounts"])
log = logging.getLogger("vnfil.api")


def set_session_cookie(response: Response, settings: Settings, value: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=SESSION_DAYS * 86400,
        httponly=True,
        secure=settings.public_base_url.startswith("https://"),
        samesite="lax",
        path="/",
    )


async def authenticate(
    session: SessionDep, throttle: LoginThrottle, email: str, password: str
) -> User:
    """The one sign-in check (JSON and form): throttle, then the password.
    Five wrong passwords for one e-mail within 15 minutes lock it for the rest of them."""
    if throttle.blocked(email, time.monotonic()):
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS, "too many failed sign-ins; wait 15 minutes"
        )
    user = await user_by_email(session, email)
    if user is None or not password_matches(user, password):
        throttle.failed(email, time.monotonic())
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong e-mail or password")
    throttle.succeeded(email)
    return user


async def _session_read(session: SessionDep, user: User, web: WebSession) -> SessionRead:
    ms = await memberships_of(session, user.id)
    active = next(m for m in ms if m.id == web.membership_id)
    return SessionRead(
        user=UserRead.model_validate(principal_of(user, active, "session")),
        membership=MembershipRead.model_validate(active),
        memberships=[MembershipRead.model_validate(m) for m in ms],
        csrf_token=web.csrf_token,
    )


@router.post("/auth/login")
async def login(
    body: LoginInput,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    throttle: ThrottleDep,
) -> SessionRead:
    """E-mail and password; the answer sets an HttpOnly, SameSite=Lax session cookie."""
    user = await authenticate(session, throttle, body.email, body.password)
    if body.membership_id:
        membership = await session.get(Membership, body.membership_id)
        if membership is None or membership.user_id != user.id:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "that membership is not yours")
    else:
        membership = await primary_membership(session, user)
    cookie, web = await open_session(session, user, membership)
    read = await _session_read(session, user, web)
    await session.commit()
    set_session_cookie(response, settings, cookie)
    return read


@router.get("/auth/session")
async def current_session(request: Request, session: SessionDep) -> SessionRead:
    """The signed-in browser's session, with the CSRF token its scripts send on writes."""
    cookie = request.cookies.get(SESSION_COOKIE)
    web = await session_by_cookie(session, cookie) if cookie else None
    user = await session.get(User, web.user_id) if web else None
    if web is None or user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "not signed in")
    return await _session_read(session, user, web)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    request: Request, response: Response, session: SessionDep, user: CurrentUser
) -> None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if user.via == "session" and cookie:
        web = await session_by_cookie(session, cookie)
        if web is not None:
            await session.execute(delete(WebSession).where(WebSession.id_hash == web.id_hash))
            await session.commit()
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.post("/auth/membership")
async def switch_membership(
    body: MembershipSwitch, request: Request, session: SessionDep, user: CurrentUser
) -> SessionRead:
    """Act in another of your roles (for example the admin of a second centre)."""
    if user.via != "session":
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "bearer tokens choose a membership per request with the X-Vnfil-Membership header",
        )
    m = await session.get(Membership, body.membership_id)
    if m is None or m.user_id != user.id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "that membership is not yours")
    web = await session_by_cookie(session, request.cookies.get(SESSION_COOKIE, ""))
    row = await session.get(User, user.id)
    assert web is not None and row is not None
    web.membership_id = m.id
    read = await _session_read(session, row, web)
    await session.commit()
    return read


@router.put("/me/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(body: PasswordChange, session: SessionDep, user: CurrentUser) -> None:
    """Set a password for web sign-in; changing one needs the current one."""
    row = await session.get(User, user.id)
    assert row is not None
    if row.password_hash and not password_matches(row, body.current_password or ""):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the current password is wrong")
    row.password_hash = hash_password(body.new_password)
    # Other browsers signed in with the old password are signed out.
    await session.execute(delete(WebSession).where(WebSession.user_id == row.id))
    await session.commit()


# --- invitations --------------------------------------------------------------------


def _own_centre(user: Principal, centre_id: str) -> None:
    if user.centre_id != centre_id:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "an admin invites only to the centre they administer"
        )


@router.post(
    "/centres/{centre_id}/invitations",
    status_code=status.HTTP_201_CREATED,
    dependencies=[require_roles(Role.centre_admin)],
)
async def create_invitation(
    centre_id: str,
    body: InvitationCreate,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    temporal: TemporalDep,
) -> InvitationLink:
    """Invite a counsellor, assessor, supervisor or admin; someone with an account (in
    this or another centre) gains the role when they accept."""
    _own_centre(user, centre_id)
    try:
        token, row = await invite(
            session, email=body.email, role=body.role, centre_id=centre_id, invited_by=user.id
        )
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    centre = await session.get(Centre, centre_id)
    subject, text = render_message(
        "invitation",
        centre=centre.name if centre else centre_id,
        role=body.role.value.replace("_", " "),
        inviter=user.name,
        expires=f"{row.expires_at:%Y-%m-%d}",
        link=f"{settings.public_base_url}/invitations/{token}",
    )
    key = f"invitation:{row.id}"
    session.add(
        Notification(
            id=key, recipient_email=row.email, template="invitation", subject=subject, body=text
        )
    )
    await session.commit()  # the invitation and its message, together
    if settings.smtp_host:
        try:
            await temporal.start_workflow(
                MessageDelivery.run, key, id=f"message-{key}", task_queue=settings.task_queue
            )
        except RPCError as exc:  # the message waits in the outbox; say so, do not fail
            log.warning("invitation %s not handed to the mailer: %s", row.id, exc)
    return InvitationLink(**InvitationRead.model_validate(row).model_dump(), token=token)


@router.get("/centres/{centre_id}/invitations", dependencies=[require_roles(Role.centre_admin)])
async def list_invitations(
    centre_id: str, session: SessionDep, user: CurrentUser
) -> list[InvitationRead]:
    _own_centre(user, centre_id)
    rows = await session.scalars(
        select(Invitation)
        .where(Invitation.centre_id == centre_id)
        .order_by(Invitation.created_at.desc())
    )
    return [InvitationRead.model_validate(r) for r in rows]


@router.post("/invitations/{token}/acceptance", status_code=status.HTTP_201_CREATED)
async def accept_invitation(
    token: str,
    body: InvitationAcceptance,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
) -> UserWithToken:
    """The invitee's link: a newcomer creates the account (name + password); an existing
    person proves it with their password and gains the role. Signs the browser in."""
    inv = await invitation_by_token(session, token)
    if inv is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such invitation")
    if inv.accepted_at is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, "this invitation was already accepted")
    if as_utc(inv.expires_at) <= utcnow():
        raise HTTPException(status.HTTP_410_GONE, "this invitation has expired; ask for a new one")
    user = await user_by_email(session, inv.email)
    bearer = ""
    if user is None:
        if not body.name:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "name: required for a new account"
            )
        user, bearer = await create_user(
            session, name=body.name, email=inv.email, role=Role(inv.role), centre_id=inv.centre_id
        )
        user.password_hash = hash_password(body.password)
        membership = await primary_membership(session, user)
    else:
        if not password_matches(user, body.password):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"{inv.email} has an account: give its password"
            )
        membership = await add_membership(session, user, Role(inv.role), inv.centre_id)
    inv.accepted_at, inv.accepted_by = utcnow(), user.id
    cookie, _ = await open_session(session, user, membership)
    await session.commit()
    set_session_cookie(response, settings, cookie)
    read = UserRead.model_validate(principal_of(user, membership, "session"))
    return UserWithToken(**read.model_dump(), token=bearer)
