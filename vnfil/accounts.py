"""People, their roles and how they prove who they are.

Bearer tokens (API) are shown once and kept as SHA-256; passwords (web) as argon2id;
web sessions as the SHA-256 of the cookie. A person holds one or more memberships
(role + centre or awarding body); every request acts in exactly one of them.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.models import Invitation, Membership, Role, User, WebSession, as_utc, utcnow

TOKEN_PREFIX = "vnfil_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def user_by_token(session: AsyncSession, token: str) -> User | None:
    return await session.scalar(select(User).where(User.token_hash == hash_token(token)))


async def create_user(
    session: AsyncSession,
    *,
    name: str,
    email: str,
    role: Role,
    centre_id: str | None = None,
    awarding_body_id: str | None = None,
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
    session: AsyncSession, user: User, role: Role, centre_id: str | None
) -> Membership:
    """Give a person one more role (idempotent)."""
    for m in await memberships_of(session, user.id):
        if m.role == role.value and m.centre_id == centre_id:
            return m
    row = Membership(user_id=user.id, role=role.value, centre_id=centre_id)
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


async def invite(
    session: AsyncSession, *, email: str, role: Role, centre_id: str, invited_by: str
) -> tuple[str, Invitation]:
    if role not in STAFF_ROLES:
        raise ValueError(f"a centre invites only {', '.join(r.value for r in STAFF_ROLES)}")
    token = "inv_" + secrets.token_urlsafe(24)
    row = Invitation(
        token_hash=hash_token(token),
        email=email.strip().lower(),
        role=role.value,
        centre_id=centre_id,
        invited_by=invited_by,
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    )
    session.add(row)
    await session.flush()
    return token, row


async def invitation_by_token(session: AsyncSession, token: str) -> Invitation | None:
    return await session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    )


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
    """At most ``limit`` failed sign-ins per e-mail in ``window`` seconds (per API process;
    several processes each keep their own count, which still bounds guessing)."""

    def __init__(self, limit: int = 5, window: float = 900.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, list[float]] = {}

    def _recent(self, key: str, now: float) -> list[float]:
        kept = [t for t in self._failures.get(key, []) if now - t < self.window]
        self._failures[key] = kept
        return kept

    def blocked(self, email: str, now: float) -> bool:
        return len(self._recent(email.strip().lower(), now)) >= self.limit

    def failed(self, email: str, now: float) -> None:
        key = email.strip().lower()
        self._recent(key, now).append(now)
        if len(self._failures) > 100_000:  # bounded memory under a spray of addresses
            self._failures.clear()

    def succeeded(self, email: str) -> None:
        self._failures.pop(email.strip().lower(), None)
