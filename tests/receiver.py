"""A real HTTP(S) receiver for webhooks on loopback, recording every request it gets.

It can also misbehave as a hostile receiver would: answer with a redirect or stream
a huge body (``reply_bytes``), counting how much of it the client took (``sent``).
"""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 64 * 1024


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    port: int
    status: int = 204
    reply_headers: dict[str, str] = field(default_factory=dict)
    reply_bytes: int = 0  # the body it answers with (announced in content-length)
    tls: ssl.SSLContext | None = None
    host: str = "127.0.0.1"  # the name its URL uses
    received: list[Received] = field(default_factory=list)
    sent: int = 0  # bytes of the reply body the client took before it hung up
    replies_done: int = 0  # replies finished, or abandoned by the client
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}/hooks/vnfil"

    def start(self) -> Receiver:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                outer.received.append(
                    Received({k.lower(): v for k, v in self.headers.items()}, body)
                )
                self.send_response(outer.status)
                for k, v in outer.reply_headers.items():
                    self.send_header(k, v)
                if outer.reply_bytes:
                    self.send_header("content-length", str(outer.reply_bytes))
                self.end_headers()
                try:
                    left = outer.reply_bytes
                    chunk = b"x" * CHUNK
                    while left > 0:
                        n = min(left, CHUNK)
                        self.wfile.write(chunk[:n])
                        outer.sent += n
                        left -= n
                    self.wfile.flush()
                except OSError:  # the client hung up: the rest of the body is not taken
                    self.close_connection = True
                finally:
                    outer.replies_done += 1

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        if self.tls is not None:
            server.socket = self.tls.wrap_socket(server.socket, server_side=True)
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
