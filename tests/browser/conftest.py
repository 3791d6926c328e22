"""Browser fixtures: Debian's Chromium driven by pytest-playwright, CSP watching, a second-origin news site."""
from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass, field

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.conftest import with_settings
from tests.redis_server import free_port

CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
WATCH_CSP = """
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


@dataclass
class NewsSite:
    """A news site on another origin embedding the widget; `api` is set once the service runs."""

    port: int
    api: str = ""
    pages: dict = field(default_factory=dict)

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
def news_site():
    site = NewsSite(free_port())
    server = make_server("127.0.0.1", site.port, Request.application(site.page), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()


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

    def open_page(path: str, address: str | None = "198.51.100.1"):
        context = new_context(extra_http_headers={"X-Forwarded-For": address} if address else {})
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        page.requested = []
        page.on("request", lambda request: page.requested.append(request.url))
        page.document = page.goto(live_server + path if path.startswith("/") else path)
        return page

    return open_page


def csp_violations(page) -> list[str]:
    """What the page's Content-Security-Policy refused; it must be the service's own, strict one."""
    policy = page.document.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy, policy
    return page.evaluate("window.__cspViolations")
