"""The audit trail: every action on a case, appended to a hash chain.

Each entry's hash covers its content and the previous entry's hash, so changing,
removing or reordering any entry breaks every link after it; ``verify_chain`` names
the first broken one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vnfil.cases.models import AuditEntry

GENESIS = "0" * 64


def entry_hash(
    case_id: str,
    seq: int,
    at: datetime,
    actor_id: str,
    actor_role: str,
    action: str,
    details: dict[str, Any],
    prev_hash: str,
) -> str:
    # Databases hand times back with or without a zone; hash one canonical UTC form.
    at_utc = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    body = {
        "case_id": case_id,
        "seq": seq,
        "at": at_utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": actor_id,
        "actor_role": actor_role,
        "action": action,
        "details": details,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def hash_of(row: AuditEntry) -> str:
    return entry_hash(
        row.case_id,
        row.seq,
        row.at,
        row.actor_id,
        row.actor_role,
        row.action,
        row.details,
        row.prev_hash,
    )


@dataclass(frozen=True)
class ChainCheck:
    valid: bool
    entries: int
    first_broken_seq: int | None = None
    reason: str | None = None


def verify_chain(rows: Sequence[AuditEntry]) -> ChainCheck:
    prev = GENESIS
    for expected_seq, row in enumerate(rows):
        if row.seq != expected_seq:
            return ChainCheck(False, len(rows), expected_seq, f"entry {expected_seq} is missing")
        if row.prev_hash != prev:
            return ChainCheck(False, len(rows), row.seq, "does not link to the previous entry")
        if hash_of(row) != row.hash:
            return ChainCheck(False, len(rows), row.seq, "content does not match its hash")
        prev = row.hash
    return ChainCheck(True, len(rows))


async def chain_of(session: AsyncSession, case_id: str) -> list[AuditEntry]:
    rows = await session.scalars(
        select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.seq)
    )
    return list(rows)


class ChainOutOfOrder(Exception):
    """An entry arrived before its predecessor; the caller retries."""


async def append_entry(
    session: AsyncSession,
    *,
    case_id: str,
    seq: int,
    at: datetime,
    actor_id: str,
    actor_role: str,
    action: str,
    details: dict[str, Any],
) -> AuditEntry:
    """Append entry ``seq``; appending the same ``seq`` again returns the stored one."""
    existing = await session.scalar(
        select(AuditEntry).where(AuditEntry.case_id == case_id, AuditEntry.seq == seq)
    )
    if existing is not None:
        return existing
    prev_hash = GENESIS
    if seq > 0:
        prev = await session.scalar(
            select(AuditEntry.hash).where(AuditEntry.case_id == case_id, AuditEntry.seq == seq - 1)
        )
        if prev is None:
            raise ChainOutOfOrder(f"audit entry {seq - 1} of case {case_id} is not written yet")
        prev_hash = prev
    details = json.loads(json.dumps(details, default=str))  # exactly what the DB will return
    row = AuditEntry(
        case_id=case_id,
        seq=seq,
        at=at,
        actor_id=actor_id,
        actor_role=actor_role,
        action=action,
        details=details,
        prev_hash=prev_hash,
        hash=entry_hash(case_id, seq, at, actor_id, actor_role, action, details, prev_hash),
    )
    session.add(row)
    await session.flush()
    return row
