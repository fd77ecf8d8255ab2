"""People and their bearer tokens. A token is shown once; only its SHA-256 is kept."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.models import Role, User

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
    return user, token


async def email_taken(session: AsyncSession, email: str) -> bool:
    return (
        await session.scalar(select(User.id).where(User.email == email.strip().lower())) is not None
    )
