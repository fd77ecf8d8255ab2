from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from api.deps import CurrentUser, PageDep, SessionDep, request_language
from vnfil.accounts.models import Notification, User
from vnfil.accounts.schemas import (
    MembershipRead,
    MeRead,
    NoticePreferences,
    NotificationRead,
    Role,
    UserRead,
    UserRegister,
    UserWithToken,
)
from vnfil.accounts.service import create_user, email_taken, hash_password, memberships_of
from vnfil.platform.db import utcnow
from vnfil.platform.i18n import LANG_COOKIE
from vnfil.platform.paging import Keyset

router = APIRouter(tags=["people"])
# A person's messages, newest first (the API's list and the notification page).
NOTIFICATION_ORDER = Keyset("notifications", (Notification.created_at, Notification.id))


@router.post("/users/register", status_code=201)
async def register(body: UserRegister, session: SessionDep, request: Request) -> UserWithToken:
    """A candidate registers; the token is shown this once.

    Staff never get an account this way, nor from an administrator: they are invited
    (``POST /centres/{id}/invitations``) and prove the address by accepting, so nobody
    holds a working credential for someone else's e-mail."""
    taken = HTTPException(status.HTTP_409_CONFLICT, f"{body.email} is already registered")
    if await email_taken(session, body.email):
        raise taken
    try:
        user, token = await create_user(
            session, name=body.name, email=body.email, role=Role.candidate
        )
        if body.password:
            user.password_hash = hash_password(body.password)
        if request.cookies.get(LANG_COOKIE) or request.headers.get("accept-language"):
            # The language they registered in (the page's) is their messages' language.
            user.language = request_language(request)
        await session.commit()
    except IntegrityError:  # the same address registered at the same moment
        await session.rollback()
        raise taken from None
    return UserWithToken(**UserRead.model_validate(user).model_dump(), token=token)


@router.get("/me")
async def me(user: CurrentUser, session: SessionDep) -> MeRead:
    """Who you are, the membership this request acts in, and all of yours."""
    return MeRead(
        **UserRead.model_validate(user).model_dump(),
        membership_id=user.membership_id,
        memberships=[
            MembershipRead.model_validate(m) for m in await memberships_of(session, user.id)
        ],
    )


@router.get("/me/notifications")
async def my_notifications(
    session: SessionDep, user: CurrentUser, page: PageDep
) -> list[NotificationRead]:
    """The caller's messages from the outbox, newest first, a page at a time (the next
    page's cursor in ``Link``/``X-Next-Cursor``)."""
    at = page.at(NOTIFICATION_ORDER)
    query = select(Notification).where(Notification.recipient_id == user.id)
    rows = await session.scalars(NOTIFICATION_ORDER.window(query, at, page.limit))
    return [
        NotificationRead.model_validate(r) for r in page.done(NOTIFICATION_ORDER, list(rows), at)
    ]


@router.post("/me/notifications/read", status_code=204)
async def read_my_notifications(session: SessionDep, user: CurrentUser) -> Response:
    """Every message of the caller counts as read (the header's count goes to zero)."""
    await session.execute(
        update(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    await session.commit()
    return Response(status_code=204)


@router.put("/me/preferences")
async def set_my_preferences(
    body: NoticePreferences, session: SessionDep, user: CurrentUser
) -> NoticePreferences:
    """Whether messages also come by e-mail (the notification centre keeps them anyway)."""
    row = await session.get(User, user.id)
    assert row is not None
    if body.email_notices is not None:
        row.email_notices = body.email_notices
    if body.language is not None:
        row.language = body.language
    await session.commit()
    return NoticePreferences.model_validate(
        {"email_notices": row.email_notices, "language": row.language}
    )
