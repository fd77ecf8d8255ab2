"""People, their roles and how they prove who they are.

Bearer tokens (API) are shown once and kept as SHA-256; passwords (web) as argon2id;
web sessions as the SHA-256 of the cookie; invitation tokens as SHA-256, their links
sealed in the outbox until e-mailed. A person holds one or more memberships (role +
centre or awarding body); every request acts in exactly one of them. Every password
check (sign-in or invitation) goes through one throttle kept in the database.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, and_, case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vnfil.accounts.models import (
    AwardingBody,
    Centre,
    Funder,
    Invitation,
    Membership,
    Notification,
    PasswordReset,
    SignInAttempts,
    User,
    WebSession,
)
from vnfil.accounts.schemas import Role
from vnfil.platform.db import as_utc, utcnow
from vnfil.platform.rendering import render_message
from vnfil.platform.sealing import seal, unseal
from vnfil.platform.text import printable_line

TOKEN_PREFIX = "vnfil_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def caller_by_token(
    session: AsyncSession, token: str, membership_id: str | None
) -> tuple[User, Membership | None] | None:
    """The account of a bearer token and, in the same query, the membership it acts in:
    ``membership_id`` if given (and the account's), else the one mirrored on the user row.
    ``None`` for an unknown or revoked token; no membership when the one asked for is not
    the account's (or, for an account older than memberships, none was made yet)."""
    if membership_id is None:
        acting = and_(
            Membership.role == User.role,
            Membership.centre_id.is_not_distinct_from(User.centre_id),
            Membership.awarding_body_id.is_not_distinct_from(User.awarding_body_id),
        )
    else:
        acting = Membership.id == membership_id
    row = (
        await session.execute(
            select(User, Membership)
            .outerjoin(Membership, and_(Membership.user_id == User.id, acting))
            .where(User.token_hash == hash_token(token))
            .limit(1)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def caller_by_cookie(
    session: AsyncSession, cookie: str
) -> tuple[WebSession, User | None, Membership | None] | None:
    """A signed-in browser's session with its account and membership, in one query;
    ``None`` when the cookie is unknown or expired."""
    row = (
        await session.execute(
            select(WebSession, User, Membership)
            .outerjoin(User, User.id == WebSession.user_id)
            .outerjoin(Membership, Membership.id == WebSession.membership_id)
            .where(WebSession.id_hash == hash_token(cookie))
        )
    ).first()
    if row is None or as_utc(row[0].expires_at) <= utcnow():
        return None
    return row[0], row[1], row[2]


async def create_user(
    session: AsyncSession,
    *,
    name: str,
    email: str,
    role: Role,
    centre_id: str | None = None,
    awarding_body_id: str | None = None,
    funder_id: str | None = None,
) -> tuple[User, str]:
    token = new_token()
    user = User(
        name=name,
        email=email.strip().lower(),
        role=role.value,
        centre_id=centre_id,
        awarding_body_id=awarding_body_id,
        token_hash=hash_token(token),
    )
    session.add(user)
    await session.flush()
    session.add(
        Membership(
            user_id=user.id,
            role=role.value,
            centre_id=centre_id,
            awarding_body_id=awarding_body_id,
            funder_id=funder_id,
        )
    )
    await session.flush()
    return user, token


async def email_taken(session: AsyncSession, email: str) -> bool:
    return (
        await session.scalar(select(User.id).where(User.email == email.strip().lower())) is not None
    )


# --- memberships ------------------------------------------------------------------


async def memberships_of(session: AsyncSession, user_id: str) -> list[Membership]:
    return list(
        await session.scalars(
            select(Membership).where(Membership.user_id == user_id).order_by(Membership.created_at)
        )
    )


async def primary_membership(session: AsyncSession, user: User) -> Membership:
    """The membership mirrored on the user row (the one a plain bearer token acts in)."""
    row = await session.scalar(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.role == user.role,
            Membership.centre_id.is_(None)
            if user.centre_id is None
            else Membership.centre_id == user.centre_id,
            Membership.awarding_body_id.is_(None)
            if user.awarding_body_id is None
            else Membership.awarding_body_id == user.awarding_body_id,
        )
    )
    if row is None:  # an account made before memberships existed, missed by migration
        row = Membership(
            user_id=user.id,
            role=user.role,
            centre_id=user.centre_id,
            awarding_body_id=user.awarding_body_id,
        )
        session.add(row)
        await session.flush()
    return row


async def add_membership(
    session: AsyncSession,
    user: User,
    role: Role,
    centre_id: str | None,
    awarding_body_id: str | None = None,
    funder_id: str | None = None,
) -> Membership:
    """Give a person one more role (idempotent)."""
    wanted = (role.value, centre_id, awarding_body_id, funder_id)
    for m in await memberships_of(session, user.id):
        if (m.role, m.centre_id, m.awarding_body_id, m.funder_id) == wanted:
            return m
    row = Membership(
        user_id=user.id,
        role=role.value,
        centre_id=centre_id,
        awarding_body_id=awarding_body_id,
        funder_id=funder_id,
    )
    session.add(row)
    await session.flush()
    return row


# --- passwords and web sessions ---------------------------------------------------

_hasher = PasswordHasher()
MIN_PASSWORD = 10
SESSION_DAYS = 7


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password has at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def password_matches(user: User | None, password: str) -> bool:
    """Constant work whether or not the account exists, so timing reveals nothing."""
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY
    try:
        return _hasher.verify(stored, password) and stored is not _DUMMY
    except (VerificationError, InvalidHashError):
        return False


_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == email.strip().lower()))


async def open_session(
    session: AsyncSession, user: User, membership: Membership, now: datetime | None = None
) -> tuple[str, WebSession]:
    """A new web session; the cookie value is returned once, only its hash is kept.
    The person's expired sessions go at the same time, so the table does not grow."""
    await session.execute(
        delete(WebSession).where(
            WebSession.user_id == user.id, WebSession.expires_at <= (now or utcnow())
        )
    )
    cookie = secrets.token_urlsafe(32)
    row = WebSession(
        id_hash=hash_token(cookie),
        user_id=user.id,
        membership_id=membership.id,
        csrf_token=secrets.token_urlsafe(24),
        created_at=now or utcnow(),
        expires_at=(now or utcnow()) + timedelta(days=SESSION_DAYS),
    )
    session.add(row)
    await session.flush()
    return cookie, row


async def session_by_cookie(session: AsyncSession, cookie: str) -> WebSession | None:
    row = await session.get(WebSession, hash_token(cookie))
    if row is None or as_utc(row.expires_at) <= utcnow():
        return None
    return row


# --- invitations ------------------------------------------------------------------

INVITATION_DAYS = 14
STAFF_ROLES = (Role.counsellor, Role.assessor, Role.supervisor, Role.centre_admin)
REDACTED_LINK = "/invitations/[sent by e-mail only]"  # what the outbox's readable body shows


class Why(StrEnum):
    """Why a sign-in or an invitation's acceptance was refused (the message says it;
    ``api.routes.auth.REFUSAL_STATUS`` maps each to its HTTP status, in one place)."""

    wrong_login = "wrong e-mail or password"
    throttled = "too many failed sign-ins; wait 15 minutes"
    no_invitation = "no such invitation"
    invitation_used = "this invitation was already accepted"
    invitation_expired = "this invitation has expired; ask for a new one"
    # The same words whether or not the address has an account: a wrong password and a
    # missing name (a newcomer's) are not told apart.
    invitation_proof = (
        "give the password of the account at the invited address or, "
        "if you have none, your name and a new password"
    )
    accepted_meanwhile = "this invitation or its address was used at the same moment; try again"
    no_reset = "this link to choose a new password is not valid; ask for a new one"
    reset_used = "this link was already used; ask for a new one if you need it"
    reset_expired = "this link has expired (it works for an hour); ask for a new one"


class Refused(Exception):
    def __init__(self, why: Why) -> None:
        super().__init__(why.value)
        self.why = why


def seal_message(secret: str, notification_id: str, text: str) -> bytes:
    """An outbox text that carries a secret, sealed (AES-256-GCM, ``vnfil.platform.sealing.seal``)
    under the server secret and bound to its row, so a database dump reveals no link."""
    return seal(secret, text.encode(), f"notification:{notification_id}")


def message_text(row: Notification, secret: str) -> str:
    """What to e-mail for an outbox row: the sealed text when there is one."""
    if row.sealed_body is None:
        return row.body
    return unseal(secret, row.sealed_body, f"notification:{row.id}").decode()


async def invite(
    session: AsyncSession,
    *,
    email: str,
    role: Role,
    invited_by: str,
    inviter_name: str,
    base_url: str,
    secret: str,
    centre_id: str | None = None,
    awarding_body_id: str | None = None,
    funder_id: str | None = None,
) -> Invitation:
    """An invitation and its message in the outbox, to a role in a centre (staff), for
    an awarding body (an issuer) or for a funder (its staff). The token exists only
    inside the sealed message: the invitations table keeps its SHA-256, the message's
    readable body has it redacted, and the inviter never sees it (only the invitee's
    mailbox does)."""
    if [centre_id, awarding_body_id, funder_id].count(None) != 2:
        raise ValueError("an invitation is to a centre or for an awarding body")
    if funder_id is not None and role != Role.funder:
        raise ValueError("a funder invites only its staff (funder)")
    if centre_id is not None and role not in STAFF_ROLES:
        raise ValueError(f"a centre invites only {', '.join(r.value for r in STAFF_ROLES)}")
    if awarding_body_id is not None and role != Role.issuer:
        raise ValueError("an awarding body invites only issuers")
    org: Centre | AwardingBody | Funder | None = (
        await session.get(Centre, centre_id)
        if centre_id is not None
        else await session.get(AwardingBody, awarding_body_id)
        if awarding_body_id is not None
        else await session.get(Funder, funder_id)
    )
    if org is None:
        kind = "centre" if centre_id else "awarding body" if awarding_body_id else "funder"
        raise LookupError(f"no {kind} {centre_id or awarding_body_id or funder_id}")
    token = "inv_" + secrets.token_urlsafe(24)
    row = Invitation(
        token_hash=hash_token(token),
        email=email.strip().lower(),
        role=role.value,
        centre_id=centre_id,
        awarding_body_id=awarding_body_id,
        funder_id=funder_id,
        invited_by=invited_by,
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    session.add(row)
    await session.flush()
    context = {
        "organisation": org.name,
        "role": role.value,
        "inviter": inviter_name,
        "expires": f"{row.expires_at:%Y-%m-%d}",
    }
    await _sealed_message(
        session,
        key=invitation_message_id(row.id),
        template="invitation",
        context=context,
        link=(f"{base_url}/invitations/{token}", f"{base_url}{REDACTED_LINK}"),
        secret=secret,
        recipient_email=row.email,
    )
    return row


async def _sealed_message(
    session: AsyncSession,
    *,
    key: str,
    template: str,
    context: Mapping[str, object],
    link: tuple[str, str],
    secret: str,
    recipient_email: str,
    recipient_id: str | None = None,
    lang: str | None = None,
) -> None:
    """An outbox message carrying a secret link: readable with the link redacted
    (``link[1]``), and whole only sealed (``link[0]``), for the mailer; in ``lang``, or
    in English and Polish for someone whose language is not known (an invitee)."""
    subject, text = render_message(template, lang, **context, link=link[0])
    _, redacted = render_message(template, lang, **context, link=link[1])
    session.add(
        Notification(
            id=key,
            recipient_id=recipient_id,
            recipient_email=recipient_email,
            template=template,
            subject=subject,
            body=redacted,
            sealed_body=seal_message(secret, key, text),
        )
    )
    await session.flush()


def invitation_message_id(invitation_id: str) -> str:
    return f"invitation:{invitation_id}"


async def invitation_by_token(session: AsyncSession, token: str) -> Invitation | None:
    return await session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    )


@dataclass(frozen=True)
class Accepted:
    user: User
    membership: Membership
    bearer: str  # a newcomer's API token, shown once; empty for an existing person
    cookie: str  # the web session the acceptance opens


async def accept_invitation(
    session: AsyncSession,
    throttle: LoginThrottle,
    token: str,
    *,
    name: str | None,
    password: str,
) -> Accepted:
    """The invitee's answer: a newcomer creates the account (name + password); someone
    with an account proves it with its password and gains the role.

    Every password check here counts in the sign-in throttle of the invited address,
    so guessing through invitations is no cheaper than through the sign-in form; a wrong
    password and a missing name are one refusal, so nothing tells whether the address
    has an account. The invitation is claimed by one conditional UPDATE: of two
    acceptances at once, one wins and the other is refused, never a 500.
    """
    inv = await invitation_by_token(session, token)
    if inv is None:
        raise Refused(Why.no_invitation)
    if inv.accepted_at is not None:
        raise Refused(Why.invitation_used)
    if as_utc(inv.expires_at) <= utcnow():
        raise Refused(Why.invitation_expired)
    user = await user_by_email(session, inv.email)
    if not await throttle.attempt(inv.email):
        raise Refused(Why.throttled)
    if user is None:
        password_matches(None, password)  # the same work as an existing person's check
        proven = bool(name)
    else:
        proven = password_matches(user, password)
    if not proven:
        raise Refused(Why.invitation_proof)
    await throttle.succeeded(inv.email)
    new_hash = hash_password(password) if user is None else ""  # before any row is locked

    now = utcnow()
    claimed = await session.execute(
        update(Invitation)
        .where(
            Invitation.id == inv.id,
            Invitation.accepted_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(accepted_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        inv_id = inv.id
        await session.rollback()  # (expires ``inv``)
        used = await session.scalar(select(Invitation.accepted_at).where(Invitation.id == inv_id))
        raise Refused(Why.invitation_used if used is not None else Why.invitation_expired)
    bearer = ""
    try:
        if user is None:
            user, bearer = await create_user(
                session,
                name=name or "",
                email=inv.email,
                role=Role(inv.role),
                centre_id=inv.centre_id,
                awarding_body_id=inv.awarding_body_id,
                funder_id=inv.funder_id,
            )
            user.password_hash = new_hash
            membership = await primary_membership(session, user)
        else:
            membership = await add_membership(
                session, user, Role(inv.role), inv.centre_id, inv.awarding_body_id, inv.funder_id
            )
        inv.accepted_at, inv.accepted_by = now, user.id
        cookie, _ = await open_session(session, user, membership, now)
    except IntegrityError as exc:  # another invitation to the same address, accepted now
        await session.rollback()
        raise Refused(Why.accepted_meanwhile) from exc
    return Accepted(user=user, membership=membership, bearer=bearer, cookie=cookie)


# --- an external OpenID Connect provider -------------------------------------------


async def user_for_oidc(
    session: AsyncSession, *, issuer: str, subject: str, email: str, email_verified: bool
) -> User | None:
    """The account an ID token (already validated by the caller) signs in to.

    Linked by (issuer, subject); the first sign-in links an existing account by e-mail
    only when the provider says the address is verified. No account is created here:
    staff come by invitation, candidates register.
    """
    user = await session.scalar(
        select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject)
    )
    if user is None and email_verified:
        user = await user_by_email(session, email)
        if user is not None and user.oidc_subject is None:
            user.oidc_issuer, user.oidc_subject = issuer, subject
    return user


class LoginThrottle:
    """At most ``limit`` password checks per e-mail in a window of ``window`` (15 minutes),
    counted in the database so that every API process shares one count.

    Each check is counted *before* the password is compared, by one atomic upsert that
    returns the new count: parallel guesses cannot all slip through before the first
    failure is written. A right password clears the count. The table is keyed by the
    SHA-256 of the address (a spray of made-up addresses stores no addresses), and
    stale rows go with the hourly purge (``forget_stale_attempts``).
    """

    LIMIT, WINDOW = 5, timedelta(minutes=15)

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        limit: int = LIMIT,
        window: timedelta = WINDOW,
    ) -> None:
        self.sessions, self.limit, self.window = sessions, limit, window

    @staticmethod
    def _key(email: str) -> str:
        return hash_token(email.strip().lower())

    async def attempt(self, email: str, now: datetime | None = None) -> bool:
        """Count one password check; False when the address is locked (do not check)."""
        now = now or utcnow()
        ended = SignInAttempts.window_start <= now - self.window  # start a new window
        async with self.sessions.begin() as session:
            dialect = session.get_bind().dialect.name
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            upsert = insert(SignInAttempts).values(
                key=self._key(email), attempts=1, window_start=now
            )
            stmt = upsert.on_conflict_do_update(
                index_elements=[SignInAttempts.key],
                set_={
                    "attempts": case((ended, 1), else_=SignInAttempts.attempts + 1),
                    "window_start": case((ended, now), else_=SignInAttempts.window_start),
                },
            ).returning(SignInAttempts.attempts)
            count = (await session.execute(stmt)).scalar_one()
        return count <= self.limit

    async def succeeded(self, email: str) -> None:
        async with self.sessions.begin() as session:
            await session.execute(
                delete(SignInAttempts).where(SignInAttempts.key == self._key(email))
            )


async def sign_in(
    session: AsyncSession, throttle: LoginThrottle, email: str, password: str
) -> User:
    """The one password check of a sign-in (JSON and form): counted, then compared.
    Five wrong passwords for one e-mail within 15 minutes lock it for the rest of them."""
    if not await throttle.attempt(email):
        raise Refused(Why.throttled)
    try:
        printable_line(email)  # PostgreSQL refuses a NUL in a query: no account has one
    except ValueError:
        password_matches(None, password)
        raise Refused(Why.wrong_login) from None
    user = await user_by_email(session, email)
    if user is None or not password_matches(user, password):
        raise Refused(Why.wrong_login)
    await throttle.succeeded(email)
    return user


# --- the hourly purge (activities.accounts, on a Temporal schedule) ------------------


async def delete_expired_sessions(session: AsyncSession, now: datetime, batch: int) -> int:
    """Up to ``batch`` expired web sessions, deleted; how many went."""
    ids = list(
        await session.scalars(
            select(WebSession.id_hash).where(WebSession.expires_at <= now).limit(batch)
        )
    )
    if ids:
        await session.execute(delete(WebSession).where(WebSession.id_hash.in_(ids)))
    return len(ids)


async def forget_stale_attempts(session: AsyncSession, before: datetime) -> int:
    """Throttle rows whose window ended before ``before``: they lock nothing any more."""
    result = await session.execute(
        delete(SignInAttempts).where(SignInAttempts.window_start <= before)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


RESET_MINUTES = 60
RESETS_PER_HOUR = 3  # links sent to one account in an hour; more requests send nothing
RESET_LINK = "/password-reset"


def reset_message_id(reset_id: str) -> str:
    return f"password-reset:{reset_id}"


async def request_password_reset(
    session: AsyncSession, *, email: str, base_url: str, secret: str, now: datetime | None = None
) -> PasswordReset | None:
    """A link to choose a new password, in the outbox for the account at ``email`` (sealed,
    as an invitation's). None when there is no such account or it had its links for this
    hour: the caller answers the same either way, so nobody learns who has an account."""
    now = now or utcnow()
    user = await user_by_email(session, email)
    if user is None:
        return None
    recent = await session.scalar(
        select(func.count())
        .select_from(PasswordReset)
        .where(
            PasswordReset.user_id == user.id, PasswordReset.created_at > now - timedelta(hours=1)
        )
    )
    if (recent or 0) >= RESETS_PER_HOUR:
        return None
    token = "pwr_" + secrets.token_urlsafe(24)
    row = PasswordReset(
        token_hash=hash_token(token),
        user_id=user.id,
        created_at=now,
        expires_at=now + timedelta(minutes=RESET_MINUTES),
    )
    session.add(row)
    await session.flush()
    await _sealed_message(
        session,
        key=reset_message_id(row.id),
        template="password-reset",
        context={"name": user.name, "minutes": RESET_MINUTES},
        link=(f"{base_url}{RESET_LINK}/{token}", f"{base_url}{RESET_LINK}/[sent by e-mail only]"),
        secret=secret,
        recipient_email=user.email,
        recipient_id=user.id,
        lang=user.language,
    )
    return row


async def usable_reset(
    session: AsyncSession, token: str, now: datetime | None = None
) -> PasswordReset:
    """The reset a link's token names, if it may still be used; else :class:`Refused`."""
    row = await session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == hash_token(token))
    )
    if row is None:
        raise Refused(Why.no_reset)
    if row.used_at is not None:
        raise Refused(Why.reset_used)
    if as_utc(row.expires_at) <= (now or utcnow()):
        raise Refused(Why.reset_expired)
    return row


async def reset_password(session: AsyncSession, token: str, new_password: str) -> User:
    """The new password, once: the link is spent, every other unused link of the account
    too, and every signed-in session of the account ends (whoever held the old password
    is signed out, in browsers and through the API)."""
    row = await usable_reset(session, token)
    now = utcnow()
    spent = await session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == row.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]  # used at the same moment
        raise Refused(Why.reset_used)
    await session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == row.user_id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    user = await session.get(User, row.user_id)
    assert user is not None
    user.password_hash = hash_password(new_password)
    await session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    user.token_hash = hash_token(new_token())  # the API token too; POST /me/token makes one
    await session.flush()
    return user


def centre_staff(centre_id: str, *roles: Role) -> Select[str, str, str]:
    """A centre's people in these roles (id, name, role), by name: one range of the
    partial ``(centre_id, role)`` index, however many candidates the platform holds."""
    return (
        select(User.id, User.name, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.centre_id == centre_id, Membership.role.in_([r.value for r in roles]))
        .order_by(User.name)
    )
