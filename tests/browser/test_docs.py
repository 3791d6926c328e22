"""/docs in a real Chromium with the internet unreachable: swagger-ui comes from imgmod and shows the API."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import WATCH_CSP

CDN = "https://cdn.jsdelivr.net/npm/swagger-ui-dist/swagger-ui-bundle.js"


def test_docs_show_the_api_operations_with_every_other_host_unreachable(new_context, live_server):
    context = new_context()
    context.add_init_script(WATCH_CSP)
    leaving = []

    def only_imgmod(route):
        if route.request.url.startswith(live_server + "/"):
            route.continue_()
        else:  # a newsroom without internet, or a CDN that is down or blocked
            leaving.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", only_imgmod)
    page = context.new_page()
    # The blocking itself works: what a CDN-loading page would ask for is refused.
    assert page.evaluate(f"fetch({CDN!r}).then(() => 'loaded', () => 'refused')") == "refused"
    assert leaving == [CDN]
    leaving.clear()
    document = page.goto(live_server + "/docs")
    operations = page.locator(".opblock")
    expect(page.locator(".opblock-summary-path", has_text="/v1/reports").first).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/v1/images/{image_id}").first).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/v1/admin/images/{image_id}/reset").first).to_be_visible()
    assert operations.count() >= 10
    # An operation opens with its request body's schema, read from /openapi.json.
    page.locator(".opblock-post .opblock-summary", has_text="/v1/reports").first.click()
    expect(page.locator(".opblock-post.is-open").first).to_contain_text("image_id")
    assert leaving == []  # nothing was even asked of another host
    policy = document.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe" not in policy and "https:" not in policy
    assert page.evaluate("window.__cspViolations") == []
