"""Streamed exports: a CSV sent a batch of rows at a time, as the database hands them
over (``vnfil.platform.bulk``), so a file of 100,000 rows costs the API a batch of memory.

Who may export is decided before the response starts, as for any route (a refusal is an
ordinary 403 or 404). The first piece is read before it starts too: a database that
cannot answer is a 503, not a 200 with an empty file. What fails later (rare: the
database gone mid-file) can only cut the file short.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send


class ExportResponse(StreamingResponse):
    """A streamed response that closes its source when it ends, also when the client
    hangs up: the source's cursor and session are given back at once, not whenever the
    abandoned generator is collected."""

    body_iterator: AsyncGenerator[str, None]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self.body_iterator.aclose()


async def csv_response(pieces: AsyncGenerator[str, None], filename: str) -> ExportResponse:
    """``pieces`` of CSV text as an attachment named ``filename``, its first piece read
    now (see the module's note)."""
    first = await anext(pieces)

    async def all_pieces() -> AsyncGenerator[str, None]:
        try:
            yield first
            async for piece in pieces:
                yield piece
        finally:
            await pieces.aclose()

    return ExportResponse(
        all_pieces(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
