"""Engines and sessions, and the declarative ``Base`` every domain's ORM models derive from.

Async everywhere: the API and the activities share one style. Every table is registered
on ``Base.metadata`` once its domain's ``models`` module is imported; ``vnfil.models``
imports them all (for Alembic).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase

from vnfil.platform.settings import Settings


def new_uuid() -> str:
    return str(uuid.uuid4())


def add_years(at: datetime, years: int) -> datetime:
    """The same day ``years`` later; 29 February becomes the 28th in a common year."""
    try:
        return at.replace(year=at.year + years)
    except ValueError:
        return at.replace(year=at.year + years, day=28)


def add_months(at: datetime, months: int) -> datetime:
    """The same day ``months`` later, or the month's last day when it has no such day."""
    index = at.month - 1 + months
    year, month = at.year + index // 12, index % 12 + 1
    for day in (at.day, 30, 29, 28):
        try:
            return at.replace(year=year, month=month, day=min(at.day, day))
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(at: datetime) -> datetime:
    """SQLite hands back naive datetimes; vnfil stores UTC only."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def _connect_args(settings: Settings) -> dict[str, Any]:
    if settings.database_url.startswith("postgresql") and settings.database_schema:
        return {"options": f"-csearch_path={settings.database_schema}"}
    return {}


def _lower(text: str | None) -> str | None:
    return text.lower() if isinstance(text, str) else text


def make_engine(settings: Settings) -> AsyncEngine:
    url = settings.database_url
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # API and worker write the same file: WAL lets readers and one writer coexist.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
            # SQLite's lower() folds ASCII only: "łuk" would not find "Łukasiewicz".
            dbapi_conn.create_function("lower", 1, _lower, deterministic=True)

        return engine
    return create_async_engine(url, **pool_options(settings))


def pool_options(settings: Settings) -> dict[str, Any]:
    """A server database's engine arguments: the pool sized by the settings, each
    connection checked before use (a restarted server or a dropped idle connection costs
    a reconnect, not a failed request) and replaced after ``db_pool_recycle_seconds``."""
    return {
        "connect_args": _connect_args(settings),
        "pool_pre_ping": True,
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout_seconds,
        "pool_recycle": settings.db_pool_recycle_seconds,
    }


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def sync_url(settings: Settings) -> str:
    """The URL Alembic uses: same database, synchronous driver."""
    return settings.database_url.replace("+aiosqlite", "")


async def insert_unless_present(
    session: AsyncSession, model: type[Any], values: dict[str, Any], unique: list[str]
) -> None:
    """``INSERT ... ON CONFLICT (unique) DO NOTHING``: the way to create a row exactly once
    under a race. A racing insert is waited for, and the transaction stays usable either
    way (a caught IntegrityError would need a savepoint, which pysqlite mishandles)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(
        insert(model).values(**values).on_conflict_do_nothing(index_elements=unique)
    )
