"""Browser fixtures: Debian's Chromium driven by pytest-playwright, CSP watching, a second-origin news site."""
from __future__ import annotations

import html
import os
import shutil
import socket
import threading
from dataclasses import dataclass, field
from functools import cache
from io import BytesIO

import pytest
from PIL import Image
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from harness.redis_server import free_port
from service.web.pages import write_widget
from tests.conftest import with_settings

CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
WATCH_CSP = """
window.__warnings = [];
const imgmodWarn = console.warn;
console.warn = function () { window.__warnings.push([].join.call(arguments, " ")); return imgmodWarn.apply(console, arguments); };
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def chromium_path() -> str | None:
    """IMGMOD_CHROMIUM when set (and only it), else Debian's chromium."""
    explicit = os.environ.get("IMGMOD_CHROMIUM")
    candidates = [explicit] if explicit else [shutil.which("chromium"), shutil.which("chromium-browser"),
                                              "/usr/bin/chromium"]
    return next((path for path in candidates if path and os.access(path, os.X_OK)), None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright has no executable-path option: point its launch at the system's Chromium."""
    path = chromium_path()
    if path is None:
        if os.environ.get("IMGMOD_REQUIRE_BROWSER") == "1":
            pytest.fail("IMGMOD_REQUIRE_BROWSER=1 but no Chromium was found (apt-get install chromium)")
        pytest.skip("browser tests need Chromium: apt-get install chromium, or set IMGMOD_CHROMIUM")
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url():
    """None: pages are opened by full URL. Also replaces pytest-playwright's own `base_url`, a method
    fixture that pytest 9 deprecates (and our warnings are errors)."""
    return None


@cache
def photo(name: str) -> tuple[str, bytes]:
    """A small picture for the site's own photos, `….jpg` or `….webp`, a colour of its own per name."""
    kind = "WEBP" if name.endswith(".webp") else "JPEG"
    colour = tuple(sum(map(ord, name)) * k % 256 for k in (7, 13, 29))
    out = BytesIO()
    Image.new("RGB", (160, 90), colour).save(out, kind)
    return f"image/{kind.lower()}", out.getvalue()


def img(image_id: str, src: str, width: int = 480, height: int = 270, alt: str = "photo") -> str:
    """An <img> marked for the widget: no src, the original in data-src."""
    return (f'<img data-image-id="{html.escape(image_id)}" data-src="{html.escape(src)}" width="{width}" '
            f'height="{height}" alt="{html.escape(alt)}">')


@dataclass
class NewsSite:
    """A news site on another origin embedding the widget; `api` is set once the service runs.

    It serves `pages` (path -> HTML body, under a strict Content-Security-Policy), its own copy of
    the widget at /js/imgmod-widget.js (written by service.web.pages.write_widget), `files`, and photos
    under /photos/; it records the path of every request it receives in `requested`."""

    port: int
    widget: bytes = b""
    api: str = ""
    pages: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)
    requested: list = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.allowed_origin + path

    def article(self, body: str, api: str | None = None, script_attrs: str = "", head: str = "",
                lang: str = "ar") -> str:
        """An article page using the site's own copy of the widget, pointed at `api` (imgmod by default)."""
        api = self.api if api is None else api
        direction = "rtl" if lang == "ar" else "ltr"
        return (f'<!doctype html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
                f'<title>site</title>{head}</head><body><article><h1>خبر</h1>{body}</article>'
                f'<script src="/js/imgmod-widget.js" data-api="{api}" data-lang="{lang}" {script_attrs} defer>'
                f'</script></body></html>')

    def policy(self) -> str:
        """Strict: scripts and styles from the site's own files only (no inline code); imgmod anywhere on loopback."""
        return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' http://127.0.0.1:*; "
                "connect-src http://127.0.0.1:*; base-uri 'none'; form-action 'none'")

    def app(self, request: Request) -> Response:
        self.requested.append(request.path)
        if request.path == "/article":
            return self.page(request)
        if request.path == "/js/imgmod-widget.js":
            return Response(self.widget, content_type="text/javascript")
        if request.path in self.files:
            content_type, body = self.files[request.path]
            return Response(body, content_type=content_type)
        if request.path.startswith("/photos/"):
            content_type, body = photo(request.path)
            return Response(body, content_type=content_type)
        if request.path in self.pages:
            response = Response(self.pages[request.path], content_type="text/html; charset=utf-8")
            response.headers["Content-Security-Policy"] = self.policy()
            return response
        return Response("not found", status=404)

    @property
    def allowed_origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def refused_origin(self) -> str:
        return f"http://localhost:{self.port}"  # same server, another origin

    def page(self, request: Request) -> Response:
        html = f"""<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>site</title></head>
<body><article><h1>خبر</h1>
<img data-image-id="site-1.photo" data-src="{self.api}/demo/images/coast.jpg" width="480" height="270" alt="قوارب">
</article><script src="{self.api}/v1/widget.js" data-api="{self.api}" data-lang="ar"></script></body></html>"""
        return Response(html, content_type="text/html; charset=utf-8")


@pytest.fixture(scope="session")
def news_site(tmp_path_factory):
    copy = tmp_path_factory.mktemp("site") / "imgmod-widget.js"
    write_widget(copy)  # what a site's deploy does: its own copy, served by the site
    site = NewsSite(free_port(), widget=copy.read_bytes())
    server = make_server("127.0.0.1", site.port, Request.application(site.app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()


@pytest.fixture
def site(news_site, live_server):
    """The news site, emptied of the pages of the test before, with imgmod running for it."""
    news_site.pages.clear()
    news_site.files.clear()
    news_site.requested.clear()
    news_site.api = live_server
    return news_site


@pytest.fixture(scope="session")
def silent_api():
    """An "imgmod" that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=128)
    held = []

    def accept():
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.shutdown(socket.SHUT_RDWR)
    listener.close()
    for connection in held:
        connection.close()


@pytest.fixture
def settings(settings, news_site):
    """Readers told apart by X-Forwarded-For (one trusted proxy), and one news site allowed cross-origin."""
    return with_settings(settings, trusted_proxies=1, cors_origins=(news_site.allowed_origin,))


@pytest.fixture
def app(app):
    yield app
    # The live server's request threads leave pooled Redis sockets behind; close them now rather
    # than when the garbage collector happens to, which pytest would report as an unclosed socket.
    store = app.extensions["imgmod"].store
    for client in {id(store.redis): store.redis, id(store.raw): store.raw}.values():
        client.connection_pool.disconnect()


@pytest.fixture
def reader(new_context, live_server):
    """Open a page as a distinct reader (own address, own cache); its requests and CSP violations are recorded."""

    def open_page(path: str, address: str | None = "198.51.100.1", wait_until: str = "load", before=None):
        context = new_context(extra_http_headers={"X-Forwarded-For": address} if address else {})
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        page.requested = []
        page.warnings = []
        page.on("request", lambda request: page.requested.append(request.url))
        page.on("console", lambda message: page.warnings.append(message.text) if message.type == "warning" else None)
        if before is not None:
            before(page)
        page.document = page.goto(live_server + path if path.startswith("/") else path, wait_until=wait_until)
        return page

    return open_page


def csp_violations(page) -> list[str]:
    """What the page's Content-Security-Policy refused; it must be the service's own, strict one."""
    policy = page.document.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy, policy
    return page.evaluate("window.__cspViolations")
