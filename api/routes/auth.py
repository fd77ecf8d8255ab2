"""Signing in on the web (password → session cookie), memberships, invitations."""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request, Response, status
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from temporalio.service import RPCError

from api.deps import (
    SESSION_COOKIE,
    CurrentUser,
    PageDep,
    PathId,
    Principal,
    SessionDep,
    SettingsDep,
    TemporalDep,
    ThrottleDep,
    principal_of,
    require_roles,
)
from vnfil.accounts.models import Invitation, Membership, User, WebSession
from vnfil.accounts.schemas import (
    FirstAdminInvitation,
    InvitationAcceptance,
    InvitationCreate,
    InvitationRead,
    LoginInput,
    MembershipRead,
    MembershipSwitch,
    PasswordChange,
    PasswordResetInput,
    PasswordResetRequest,
    Role,
    SessionRead,
    TokenRead,
    TokenRequest,
    UserRead,
    UserWithToken,
)
from vnfil.accounts.service import (
    SESSION_DAYS,
    LoginThrottle,
    Refused,
    Why,
    accept_invitation,
    hash_password,
    hash_token,
    invitation_message_id,
    invite,
    memberships_of,
    new_token,
    open_session,
    password_matches,
    primary_membership,
    request_password_reset,
    reset_message_id,
    reset_password,
    session_by_cookie,
    sign_in,
)
from vnfil.platform.paging import Keyset
from vnfil.platform.settings import Settings
from workflows.clients import start_message

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


# Every refusal of a sign-in or an invitation, by kind; the one place that picks a status.
REFUSAL_STATUS = {
    Why.wrong_login: status.HTTP_401_UNAUTHORIZED,
    Why.throttled: status.HTTP_429_TOO_MANY_REQUESTS,
    Why.no_invitation: status.HTTP_404_NOT_FOUND,
    Why.invitation_used: status.HTTP_409_CONFLICT,
    Why.invitation_expired: status.HTTP_410_GONE,
    Why.invitation_proof: status.HTTP_401_UNAUTHORIZED,
    Why.accepted_meanwhile: status.HTTP_409_CONFLICT,
    Why.no_reset: status.HTTP_404_NOT_FOUND,
    Why.reset_used: status.HTTP_409_CONFLICT,
    Why.reset_expired: status.HTTP_410_GONE,
}


def refused(exc: Refused) -> HTTPException:
    return HTTPException(REFUSAL_STATUS[exc.why], exc.why.value)


async def authenticate(
    session: SessionDep, throttle: LoginThrottle, email: str, password: str
) -> User:
    """The one sign-in check (JSON and form), see ``vnfil.accounts.service.sign_in``."""
    try:
        return await sign_in(session, throttle, email, password)
    except Refused as exc:
        raise refused(exc) from exc


# --- login CSRF: a sign-in is only taken from this site's own pages -----------------------

LOGIN_CSRF_COOKIE = "vnfil_login_csrf"
CROSS_SITE = "cross-site sign-in refused: sign in on this site's own page"
STALE_FORM = "the sign-in form's token is missing or wrong: reload the sign-in page"
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")  # what secrets.token_urlsafe(24) makes


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def refuse_cross_site(request: Request, settings: Settings) -> None:
    """A browser names the page a POST comes from (Origin, else Referer); a sign-in from
    another site's page is refused, so nobody signs a victim's browser into their own
    account. Clients that are not browsers send neither header and are not concerned."""
    ours = {_origin(settings.public_base_url), _origin(str(request.base_url))}
    origin = request.headers.get("origin")
    if origin is None and request.headers.get("referer"):
        origin = _origin(request.headers["referer"])
    if origin is not None and origin.lower() not in ours:  # "null" (a sandbox) too
        raise HTTPException(status.HTTP_403_FORBIDDEN, CROSS_SITE)


def login_form_token(request: Request) -> str:
    """The sign-in form's token (double-submit: the same value in a cookie and the form);
    a browser keeps one for all its tabs."""
    kept = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return kept if _TOKEN_SHAPE.fullmatch(kept) else secrets.token_urlsafe(24)


def set_login_form_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        secure=settings.public_base_url.startswith("https://"),
        samesite="strict",
        path="/login",
    )


def check_login_form(request: Request, settings: Settings, token: str) -> None:
    """A form sign-in comes from this site's page: same origin, and the form's token
    matches the cookie the page set (for browsers that send no Origin)."""
    refuse_cross_site(request, settings)
    kept = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not kept or not token or not hmac.compare_digest(kept.encode(), token.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, STALE_FORM)


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
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    throttle: ThrottleDep,
) -> SessionRead:
    """E-mail and password; the answer sets an HttpOnly, SameSite=Lax session cookie."""
    refuse_cross_site(request, settings)
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


@router.post("/me/token", status_code=status.HTTP_201_CREATED)
async def new_api_token(body: TokenRequest, session: SessionDep, user: CurrentUser) -> TokenRead:
    """A new API token, shown this once; the previous one stops working at once. The
    password is asked again (whoever holds a browser left open cannot mint one); after a
    password reset, which ends the old token, this is how a person gets another."""
    row = await session.get(User, user.id)
    assert row is not None
    if not row.password_hash or not password_matches(row, body.password):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the current password is wrong")
    token = new_token()
    row.token_hash = hash_token(token)
    await session.commit()
    return TokenRead(token=token)


# --- invitations --------------------------------------------------------------------


def _may_invite_to_centre(user: Principal, centre_id: str, role: Role | None) -> None:
    """A centre's admin invites its staff; the platform operator only a centre's (first)
    administrators."""
    if user.role == Role.operator:
        if role not in (None, Role.centre_admin):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                "the platform operator invites a centre's administrators; they invite its staff",
            )
        return
    if user.centre_id != centre_id:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "an admin invites only to the centre they administer"
        )


def _may_invite_for_body(user: Principal, awarding_body_id: str) -> None:
    """The platform operator invites an awarding body's first issuer; its issuers the rest."""
    if user.role != Role.operator and user.awarding_body_id != awarding_body_id:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "an issuer invites only to their own awarding body"
        )


async def _invited(
    session: SessionDep,
    user: Principal,
    settings: SettingsDep,
    temporal: TemporalDep,
    email: str,
    role: Role,
    centre_id: str | None = None,
    awarding_body_id: str | None = None,
    funder_id: str | None = None,
) -> InvitationRead:
    try:
        row = await invite(
            session,
            email=email,
            role=role,
            centre_id=centre_id,
            awarding_body_id=awarding_body_id,
            funder_id=funder_id,
            invited_by=user.id,
            inviter_name=user.name,
            base_url=settings.public_base_url,
            secret=settings.secret_key,
        )
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    await session.commit()  # the invitation and its message, together
    try:
        await start_message(temporal, settings, invitation_message_id(row.id))
    except RPCError as exc:  # the message waits in the outbox; say so, do not fail
        log.warning("invitation %s not handed to the mailer: %s", row.id, exc)
    return InvitationRead.model_validate(row)


INVITATION_ORDER = Keyset("invitations", (Invitation.created_at, Invitation.id))


async def _invitations(session: SessionDep, page: PageDep, *where: Any) -> list[InvitationRead]:
    """Newest first, a page at a time (the next page's cursor in ``Link``/``X-Next-Cursor``)."""
    at = page.at(INVITATION_ORDER)
    rows = await session.scalars(
        INVITATION_ORDER.window(select(Invitation).where(*where), at, page.limit)
    )
    return [InvitationRead.model_validate(r) for r in page.done(INVITATION_ORDER, list(rows), at)]


@router.post(
    "/centres/{centre_id}/invitations",
    status_code=status.HTTP_201_CREATED,
    dependencies=[require_roles(Role.centre_admin, Role.operator)],
)
async def create_invitation(
    centre_id: PathId,
    body: InvitationCreate,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    temporal: TemporalDep,
) -> InvitationRead:
    """Invite a counsellor, assessor, supervisor or admin; someone with an account (in
    this or another centre) gains the role when they accept. The link goes to the
    invited address only (the outbox, then e-mail): the answer never carries it."""
    _may_invite_to_centre(user, centre_id, body.role)
    return await _invited(
        session, user, settings, temporal, body.email, body.role, centre_id=centre_id
    )


@router.get(
    "/centres/{centre_id}/invitations",
    dependencies=[require_roles(Role.centre_admin, Role.operator)],
)
async def list_invitations(
    centre_id: PathId, session: SessionDep, user: CurrentUser, page: PageDep
) -> list[InvitationRead]:
    _may_invite_to_centre(user, centre_id, None)
    return await _invitations(session, page, Invitation.centre_id == centre_id)


@router.post(
    "/awarding-bodies/{awarding_body_id}/invitations",
    status_code=status.HTTP_201_CREATED,
    dependencies=[require_roles(Role.issuer, Role.operator)],
)
async def invite_issuer(
    awarding_body_id: PathId,
    body: FirstAdminInvitation,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    temporal: TemporalDep,
) -> InvitationRead:
    """Invite someone to issue for the awarding body (publish its standards, accredit
    centres, revoke, receive its events)."""
    _may_invite_for_body(user, awarding_body_id)
    return await _invited(
        session,
        user,
        settings,
        temporal,
        body.email,
        Role.issuer,
        awarding_body_id=awarding_body_id,
    )


@router.get(
    "/awarding-bodies/{awarding_body_id}/invitations",
    dependencies=[require_roles(Role.issuer, Role.operator)],
)
async def list_issuer_invitations(
    awarding_body_id: PathId, session: SessionDep, user: CurrentUser, page: PageDep
) -> list[InvitationRead]:
    _may_invite_for_body(user, awarding_body_id)
    return await _invitations(session, page, Invitation.awarding_body_id == awarding_body_id)


@router.post(
    "/funders/{funder_id}/invitations",
    status_code=status.HTTP_201_CREATED,
    dependencies=[require_roles(Role.funder, Role.operator)],
)
async def invite_funder_staff(
    funder_id: PathId,
    body: FirstAdminInvitation,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    temporal: TemporalDep,
) -> InvitationRead:
    """Invite someone to act for the funder (grant entitlements, decide requests); the
    operator invites the first, they the rest."""
    if user.role != Role.operator and user.funder_id != funder_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you act for another funder")
    return await _invited(
        session, user, settings, temporal, body.email, Role.funder, funder_id=funder_id
    )


@router.post("/invitations/{token}/acceptance", status_code=status.HTTP_201_CREATED)
async def accept(
    token: str,
    body: InvitationAcceptance,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    throttle: ThrottleDep,
) -> UserWithToken:
    """The invitee's link: a newcomer creates the account (name + password); an existing
    person proves it with their password (counted by the sign-in throttle) and gains the
    role. Signs the browser in."""
    refuse_cross_site(request, settings)
    try:
        done = await accept_invitation(
            session, throttle, token, name=body.name, password=body.password
        )
        await session.commit()
    except Refused as exc:
        raise refused(exc) from exc
    except IntegrityError as exc:  # lost a race the claim did not cover: say so, not 500
        await session.rollback()
        raise refused(Refused(Why.accepted_meanwhile)) from exc
    set_session_cookie(response, settings, done.cookie)
    read = UserRead.model_validate(principal_of(done.user, done.membership, "session"))
    return UserWithToken(**read.model_dump(), token=done.bearer)


@router.post("/auth/password-reset", status_code=status.HTTP_202_ACCEPTED)
async def ask_password_reset(
    body: PasswordResetRequest,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    temporal: TemporalDep,
) -> dict[str, str]:
    """A link to choose a new password, e-mailed (through the outbox) if the address has
    an account. The answer is the same whether or not it has one, and so is the time
    spent: a few links an hour at most reach one account."""
    refuse_cross_site(request, settings)
    row = await request_password_reset(
        session, email=body.email, base_url=settings.public_base_url, secret=settings.secret_key
    )
    await session.commit()
    if row is not None:
        try:
            await start_message(temporal, settings, reset_message_id(row.id))
        except RPCError as exc:  # the message waits in the outbox
            log.warning("password reset %s not handed to the mailer: %s", row.id, exc)
    return {
        "detail": "if this address has an account, a link to choose a new password is on its way"
    }


@router.post("/auth/password-reset/{token}", status_code=status.HTTP_204_NO_CONTENT)
async def choose_new_password(
    token: PathId,
    body: PasswordResetInput,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """The e-mailed link's form: the new password; every session of the account ends."""
    refuse_cross_site(request, settings)
    try:
        await reset_password(session, token, body.new_password)
        await session.commit()
    except Refused as exc:
        await session.rollback()
        raise refused(exc) from exc
    return Response(status_code=status.HTTP_204_NO_CONTENT)
