"""A process's own health port, for one that serves no HTTP otherwise (the worker).

``GET /health`` answers 200 with a small JSON body while ``state()`` says the process is
healthy, 503 when it says otherwise; any other path is 404. One request per connection,
answered from the process's own event loop: an answer at all shows the loop is not
blocked, which is what a liveness probe asks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

HEALTH_PATH = "/health"
READ_TIMEOUT_SECONDS = 5.0
MAX_HEADER_LINES = 100


async def serve_health(
    port: int, state: Callable[[], tuple[bool, dict[str, Any]]], host: str = "0.0.0.0"
) -> asyncio.Server:
    """Listen on ``host:port``; ``state()`` returns (healthy, details for the body)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), READ_TIMEOUT_SECONDS)
            for _ in range(MAX_HEADER_LINES):  # the headers, unread
                line = await asyncio.wait_for(reader.readline(), READ_TIMEOUT_SECONDS)
                if line in (b"\r\n", b"\n", b""):
                    break
            parts = request_line.split()
            path = parts[1].split(b"?", 1)[0] if len(parts) >= 2 else b""
            if len(parts) >= 2 and parts[0] in (b"GET", b"HEAD") and path == HEALTH_PATH.encode():
                healthy, details = state()
                status = "200 OK" if healthy else "503 Service Unavailable"
                body = json.dumps({"status": "ok" if healthy else "stopped", **details})
            else:
                status, body = "404 Not Found", json.dumps({"detail": "not found"})
            data = body.encode()
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
                + (data if parts[:1] != [b"HEAD"] else b"")
            )
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    return await asyncio.start_server(answer, host, port)
