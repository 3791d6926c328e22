"""Small real HTTP servers for the tests: an image host and a webhook receiver."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


@dataclass
class Seen:
    method: str
    path: str
    host: str
    headers: dict
    body: bytes
    at: float = field(default_factory=time.time)  # when it arrived (Unix seconds)


@dataclass
class LocalServer:
    """Answers with `route(handler) -> (status, headers, body)` and records every request."""
    route: Callable
    requests: list[Seen] = field(default_factory=list)

    def __enter__(self) -> "LocalServer":
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen = Seen(self.command, self.path, self.headers.get("Host", ""), dict(self.headers), body)
                recorder.requests.append(seen)
                status, headers, payload = recorder.route(seen)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def host(self) -> str:
        """host:port, as IMGMOD_IMAGE_HOSTS names an allowed image host."""
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"


def image_files(files: dict[str, bytes]) -> LocalServer:
    """A LocalServer of JPEG files by path (404 for any other): an image host for workers to fetch."""
    def route(request):
        if request.path in files:
            return 200, {"Content-Type": "image/jpeg"}, files[request.path]
        return 404, {}, b""
    return LocalServer(route)
