"""Keyset paging: every list is read a page at a time from where the last page ended,
never by skipping rows. ``OFFSET n`` reads ``n`` rows only to throw them away, so the
thousandth page of a million cases costs a thousand first pages; a keyset page is one
index range read, however deep.

A list is ordered by a few columns, all in one direction, the last of them unique (the
row's id), and an index on (the list's equality filters, then those columns) matches it.
The next page is then ``WHERE (columns) < (the last row's values)`` (``>`` for a list in
ascending order): a row comparison PostgreSQL and SQLite (3.15 and later) both read as a
range of that index, so there is no sort, however many rows the table holds.

What the caller gets back is a cursor: the last row's values, opaque (base64url of a
small JSON array) and signed with the deployment's secret, so a cursor that was changed,
made up or given by another list is refused instead of read. A cursor only says where a
page starts: who may see which rows is the list's own filters, applied again on every
page, so one tenant's cursor shows another tenant nothing but their own rows.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, literal, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from vnfil.platform.db import as_utc

T = TypeVar("T")
Q = TypeVar("Q", bound="Select[*tuple[Any, ...]]")

CURSOR_MAX = 1024  # characters in ``?cursor=``: the longest key (a name) fits many times
_MAC_BYTES = 16
_PURPOSE = b"vnfil list cursor v1\x00"


class CursorRefused(ValueError):
    """A cursor this list did not give: malformed, changed, or another list's."""


MALFORMED = "it is malformed"
CHANGED = "it was changed, or signed by another server"
ANOTHER_LIST = "it belongs to another list"


@dataclass(frozen=True)
class Position:
    """Where a page starts: just after the row with these ``values`` in the list's order
    (``backwards``: just before it, the page a "newer" link shows). ``number`` counts the
    pages as a person does, for a pager that says "Page 3"."""

    values: tuple[Any, ...]
    backwards: bool = False
    number: int = 2


@dataclass(frozen=True)
class Keyset:
    """A list's order: ``columns`` all ``descending`` (or all ascending), the last unique.
    ``name`` is carried in its cursors, so one list's cursor is refused by another."""

    name: str
    columns: tuple[InstrumentedAttribute[Any], ...]
    descending: bool = True

    def order(self, backwards: bool = False) -> list[ColumnElement[Any]]:
        down = self.descending != backwards
        return [c.desc() if down else c.asc() for c in self.columns]

    def after(self, at: Position) -> ColumnElement[bool]:
        """The rows after ``at`` in the order read (before it when going backwards)."""
        binds = [literal(v, c.type) for c, v in zip(self.columns, at.values, strict=True)]
        keys: Any = tuple_(*self.columns)
        values: ColumnElement[Any] = tuple_(*binds)
        if len(self.columns) == 1:
            keys, values = self.columns[0], binds[0]
        return keys < values if self.descending != at.backwards else keys > values

    def window(self, query: Q, at: Position | None, limit: int) -> Q:
        """``query``'s page at ``at`` (the first when None), with one row more than
        ``limit`` to tell whether another page follows."""
        if at is not None:
            query = query.where(self.after(at))
        backwards = at is not None and at.backwards
        return query.order_by(*self.order(backwards)).limit(limit + 1)

    def values_of(self, row: Any) -> tuple[Any, ...]:
        """A row's key (an ORM object, or anything with the columns' attribute names)."""
        return tuple(getattr(row, c.key) for c in self.columns)

    # -- cursors -----------------------------------------------------------------

    def encode(self, secret: str, at: Position) -> str:
        values = [as_utc(v).isoformat() if isinstance(v, datetime) else v for v in at.values]
        payload = json.dumps(
            [self.name, at.number, int(at.backwards), *values],
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        raw = _mac(secret, payload) + payload
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def decode(self, secret: str, cursor: str) -> Position:
        """The position ``cursor`` names, or :class:`CursorRefused`."""
        try:
            raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), b"-_", validate=True)
        except (binascii.Error, ValueError):
            raise CursorRefused(MALFORMED) from None
        mac, payload = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
        if len(mac) < _MAC_BYTES or not hmac.compare_digest(mac, _mac(secret, payload)):
            raise CursorRefused(CHANGED)
        try:
            items = json.loads(payload)
        except ValueError:
            raise CursorRefused(MALFORMED) from None
        if not isinstance(items, list) or len(items) < 3:
            raise CursorRefused(MALFORMED)
        name, number, backwards, *values = items
        if name != self.name:
            raise CursorRefused(ANOTHER_LIST)
        if len(values) != len(self.columns):
            raise CursorRefused(MALFORMED)
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number < 2**31:
            raise CursorRefused(MALFORMED)
        if backwards not in (0, 1) or isinstance(backwards, bool):
            raise CursorRefused(MALFORMED)
        return Position(
            tuple(_value(c, v) for c, v in zip(self.columns, values, strict=True)),
            bool(backwards),
            number,
        )


def _mac(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode(), _PURPOSE + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def _value(column: InstrumentedAttribute[Any], value: Any) -> Any:
    """A cursor's value as the column's type, or :class:`CursorRefused`."""
    kind = column.type.python_type
    if kind is datetime and isinstance(value, str):
        try:
            at = datetime.fromisoformat(value)
        except ValueError:
            raise CursorRefused(MALFORMED) from None
        if at.tzinfo is not None:
            return at
    elif kind is int and isinstance(value, int) and not isinstance(value, bool):
        if -(2**63) <= value < 2**63:
            return value
    elif kind is str and isinstance(value, str):
        length = getattr(column.type, "length", None)
        if length is None or len(value) <= length:
            return value
    raise CursorRefused(MALFORMED)


@dataclass(frozen=True)
class PageOf(Generic[T]):
    """One page of a list: its rows in the list's order, and where the next (``older``,
    further along the list) and previous (``newer``) pages start, if there are any."""

    rows: list[T]
    number: int
    older: Position | None
    newer: Position | None


def page_of(
    keyset: Keyset,
    rows: Sequence[T],
    at: Position | None,
    limit: int,
    key: Callable[[T], Any] | None = None,
) -> PageOf[T]:
    """The page of ``rows`` read with ``keyset.window(query, at, limit)``."""
    of = key or (lambda r: r)
    backwards = at is not None and at.backwards
    more = len(rows) > limit  # one more row than asked for: the list goes on that way
    shown = list(rows[:limit])
    if backwards:
        shown.reverse()
    number = 1 if at is None or (backwards and not more) else max(at.number, 1)
    if not shown:  # past the end (rows gone since): back to where the caller came from
        newer = Position(at.values, True, max(number - 1, 1)) if at and not backwards else None
        return PageOf([], number, None, newer)
    first, last = keyset.values_of(of(shown[0])), keyset.values_of(of(shown[-1]))
    older_follows = True if backwards else more
    newer_precedes = more if backwards else at is not None
    return PageOf(
        shown,
        number,
        Position(last, False, number + 1) if older_follows else None,
        Position(first, True, max(number - 1, 1)) if newer_precedes and number > 1 else None,
    )
