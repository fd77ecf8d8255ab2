"""Security headers on every answer: pages, JSON, files.

The pages load their one script and one stylesheet from ``/static`` and have no inline
script, so scripts are ``'self'`` only. Styles allow ``'unsafe-inline'``: the public
verification page and the certificate are self-contained documents with a ``<style>``
element, and the dashboard draws its bars with ``style`` attributes; no script can run
from a style. Nothing may frame vnfil (clickjacking): ``frame-ancestors 'none'`` and,
for older browsers, ``X-Frame-Options: DENY``. ``Referrer-Policy: same-origin`` keeps an
invitation's link (its token is in the path) from leaking to another site, while the
site's own form posts still carry the Origin the sign-in checks. HSTS is sent only when
vnfil is served over https (its public URL or the request), never on plain http where
it would pin a development host.

The interactive API docs (``/docs``, ``/redoc``) come from a CDN with an inline
bootstrap script; they get their own, looser policy and nothing else does.
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
DOCS_CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
        "font-src 'self' https://fonts.gstatic.com",
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
DOCS_PATHS = ("/docs", "/redoc")
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """Pure ASGI (not ``BaseHTTPMiddleware``): streamed uploads and downloads pass
    through untouched; only the response's start message gains headers."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https  # the public base URL is https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        csp = DOCS_CSP if path.startswith(DOCS_PATHS) else CSP
        https = self.https or scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                added = [
                    (b"content-security-policy", csp.encode()),
                    (b"x-frame-options", b"DENY"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                ]
                if https:
                    added.append((b"strict-transport-security", HSTS.encode()))
                headers += [(k, v) for k, v in added if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


_CONTROL_ESCAPES = re.compile(rb"%(?:[01][0-9a-fA-F]|7[fF])")


class PrintableAddresses:
    """A path or query with a control character (a NUL byte above all: PostgreSQL cannot
    store or even compare it) is refused with 400 before any route reads it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope.get("path", "")
            query: bytes = scope.get("query_string", b"")
            if (
                any(ord(ch) < 32 or ord(ch) == 127 for ch in path)
                or _CONTROL_ESCAPES.search(query)
                or any(b < 32 or b == 127 for b in query)
            ):
                body = json.dumps(
                    {"detail": "the address holds a control character (such as %00); remove it"}
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 400,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
