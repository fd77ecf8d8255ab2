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

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vnfil.platform.i18n import headers_language
from vnfil.platform.refusals import localize

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
                said = "the address holds a control character (such as %00); remove it"
                body = json.dumps({"detail": localize(_language(scope), said)}).encode()
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


BODY_LIMIT = 256 * 1024  # any body a route reads whole
# Routes that stream their body with limits of their own (uploads: size per file; a
# credential and a standard file: 1 MiB, read chunk by chunk by ``api.deps.read_capped``).
_OWN_LIMITS = re.compile(r"^/(cases/[^/]+/(evidence|identity/photo)|verify|standards)$")


class BodyLimit:
    """Every other body is read whole by FastAPI before any field limit applies, so it
    is capped here: a ``Content-Length`` above the cap is refused (413) before anything
    is read, and a body streamed without one is refused as soon as it passes the cap.
    A step is at most 64 KiB (``vnfil/cases/rules.py``); sign-in, registration and
    invitation acceptance are public, so an attacker gets no more memory than that."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _OWN_LIMITS.match(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        said_too_large = f"the request body is at most {self.limit // 1024} KiB"
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (
            not declared.isdigit() or len(declared) > 18 or int(declared) > self.limit
        ):
            status = 413 if declared.isdigit() else 400
            detail = said_too_large if status == 413 else "Content-Length is not a number"
            await _answer(send, status, localize(_language(scope), detail))
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:  # FastAPI answers an HTTPException raised here
                    raise HTTPException(413, said_too_large)  # said in their language there
            return message

        await self.app(scope, counted, send)


async def _answer(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _language(scope: Scope) -> str:
    headers = dict(scope.get("headers", []))
    return headers_language(
        headers.get(b"cookie", b"").decode("latin-1"),
        headers.get(b"accept-language", b"").decode("latin-1"),
    )
