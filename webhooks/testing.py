"""A real webhook receiver for tests and the benchmark: an HTTP server on loopback, in a
thread, that records every request (path, headers, body) and answers with the status it is
told to. It verifies nothing itself: the caller verifies with ``standardwebhooks``."""

from __future__ import annotations

import ssl
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: str

    @property
    def message_id(self) -> str:
        return self.headers.get("webhook-id", "")


class Receiver:
    """``with Receiver() as receiver:`` … ``receiver.url`` … ``receiver.received``.
    ``status`` is the answer, or a function of the request number (1, 2, …) giving it."""

    def __init__(
        self,
        *,
        status: int | Callable[[int], int] = 200,
        host: str = "127.0.0.1",
        tls: ssl.SSLContext | None = None,
    ):
        self.status = status
        self.scheme = "https" if tls else "http"
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace")
                headers = {name.lower(): value for name, value in self.headers.items()}
                with receiver._lock:
                    receiver.received.append(Received(self.path, headers, body))
                    number = len(receiver.received)
                status = receiver.status(number) if callable(receiver.status) else receiver.status
                answer = b'{"ok": true}' if 200 <= status < 300 else b"receiver says no"
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the benchmark sends thousands

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/hooks"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    def duplicates(self) -> int:
        """Messages received more than once (by webhook-id), counting each extra copy."""
        counts = Counter(item.message_id for item in self.snapshot())
        return sum(count - 1 for count in counts.values() if count > 1)
