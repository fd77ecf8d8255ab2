"""Reading and writing in batches, so an export or a housekeeping job holds a batch of
rows (or keys) at a time, whatever the table holds: 100 rows or 10 million.

Two shapes: a query read through a server-side cursor, a partition of ``BATCH`` rows at
a time (``partitions``; ``csv_export`` writes each as CSV text), and a long listing
taken a batch at a time (``take``), each batch looked up with one ``IN (...)``:
PostgreSQL takes at most 65,535 parameters in one statement, and a list that long is
held whole on both sides anyway.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator, Sequence
from contextlib import aclosing
from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import Row, Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

# Rows per partition of a streamed read, keys per IN list. Read when called (not bound
# as a default), so a test can make it small instead of writing 100,000 rows.
BATCH = 1000


def take(items: Iterator[T], n: int | None = None) -> list[T]:
    """The next ``n`` (``BATCH``) of ``items``: fewer at the end, none when done. For a
    listing read a page at a time (S3's), each batch then looked up with one IN query of
    at most ``n`` keys."""
    return list(itertools.islice(items, n or BATCH))


async def partitions(
    sessions: async_sessionmaker[AsyncSession],
    query: Select[*Ts],
    size: int | None = None,
) -> AsyncGenerator[Sequence[Row[*Ts]], None]:
    """The rows of ``query``, ``size`` (``BATCH``) at a time, through a server-side cursor
    (a named cursor on PostgreSQL, a stepped statement on SQLite): no more than a
    partition is ever fetched ahead of the caller.

    The read has a session of its own, opened here and closed when the caller stops
    (at the end, or early: an HTTP client that hangs up), so it can outlive the request
    handler that started it; select columns rather than ORM entities, which would each
    be tracked by the session.
    """
    size = size or BATCH
    async with sessions() as session:
        result = await session.stream(query.execution_options(yield_per=size))
        try:
            async for part in result.partitions(size):
                yield part
        finally:
            await result.close()


def spreadsheet_cell(value: Any) -> Any:
    """A cell as a spreadsheet shows it, never as a formula (CSV injection): a text led
    by =, +, -, @, a tab or a carriage return gets a leading apostrophe; an empty text
    and anything else stay as they are."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """Rows as CSV text (``csv.writer``'s dialect, ``\\r\\n`` line ends): one batch of an
    export, the same bytes the whole file written at once would have had there."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


async def csv_export(
    sessions: async_sessionmaker[AsyncSession],
    query: Select[*Ts],
    header: Sequence[str],
    cells: Callable[[Row[*Ts]], Sequence[Any]],
    size: int | None = None,
) -> AsyncGenerator[str, None]:
    """The header and ``cells`` of each row of ``query`` as CSV text, a partition at a
    time. The first piece is the header with the first partition (or alone, for none):
    whoever has read it has seen the database answer."""
    pending = csv_text([header])
    # Closed with this generator (a client that hangs up): not left to the collector.
    async with aclosing(partitions(sessions, query, size)) as parts:
        async for part in parts:
            yield pending + csv_text(cells(row) for row in part)
            pending = ""
    if pending:
        yield pending
