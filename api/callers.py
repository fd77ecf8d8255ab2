"""Who is calling, remembered for a few seconds per API process.

Resolving a bearer token or a session cookie is one query (``api.deps.current_user``);
for ``GET /cases/{id}`` that is half the database work of the request. An API process
keeps the answer for ``caller_cache_seconds`` (5 s by default), keyed by the digest of
the token or cookie (never the secret itself), the membership asked for with it, and
nothing else.

Forgetting is what makes this safe: every commit that wrote an account, a membership or
a web session (an ORM change or a bulk UPDATE/DELETE of those tables, in any session of
this process) empties the cache when it commits, so revoking a token, signing out,
changing a role or a language is seen by the very next request. A change made by another
process (another API replica, the worker) is seen within the cache's seconds at most:
the same bound as a short-lived access token.
"""

from __future__ import annotations

import time
import weakref
from collections import OrderedDict
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from vnfil.accounts.models import Membership, User, WebSession

WATCHED = (User, Membership, WebSession)
_WATCHED_TABLES = frozenset(m.__tablename__ for m in WATCHED)
_CHANGED = "vnfil_callers_changed"


class CallerCache:
    """A bounded map of caller key -> (when it expires, the caller), oldest out first."""

    def __init__(self, seconds: float, size: int = 10_000) -> None:
        self.seconds, self.size = seconds, size
        # Bumped by every clear: an answer read before a change committed is not kept
        # after it (``put`` with the generation seen before the read).
        self.generation = 0
        self._entries: OrderedDict[tuple[str, ...], tuple[float, Any]] = OrderedDict()
        _CACHES.add(self)

    def get(self, key: tuple[str, ...]) -> Any | None:
        found = self._entries.get(key)
        if found is None:
            return None
        if found[0] <= time.monotonic():
            self._entries.pop(key, None)
            return None
        return found[1]

    def put(
        self, key: tuple[str, ...], caller: Any, generation: int, until: float | None = None
    ) -> None:
        """Remember ``caller``, read when the cache was at ``generation``, for the cache's
        seconds (or until ``until``, a ``time.monotonic()`` instant, if that comes first:
        a session's expiry)."""
        if self.seconds <= 0 or generation != self.generation:
            return
        expires = time.monotonic() + self.seconds
        self._entries[key] = (min(expires, until) if until is not None else expires, caller)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()


_CACHES: weakref.WeakSet[CallerCache] = weakref.WeakSet()


def forget_every_caller() -> None:
    for cache in _CACHES:
        cache.clear()


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context: Any) -> None:
    if any(isinstance(o, WATCHED) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _WATCHED_TABLES:
            state.session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _forget_on_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        forget_every_caller()


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session: Session) -> None:
    session.info.pop(_CHANGED, None)
