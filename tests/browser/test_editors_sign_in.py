"""The editors' day in a real Chromium: signing in with the newsroom's account through a real OpenID
Connect provider, a named 403 for someone outside the editor groups, forged cross-site actions refused,
and two editors on one queue, the second shown what the first did instead of overwriting it."""
from __future__ import annotations

import logging

import pytest
from playwright.sync_api import expect

from service.web.page_texts import ADMIN, ARTICLE, PHOTOS, QUEUE_SHARED, SIGN_IN
from tests.browser.conftest import WATCH_CSP, csp_violations
from tests.conftest import FRONTEND_KEY, with_settings
from tests.oidc_provider import provider  # noqa: F401 (a fixture)

ATLAS = PHOTOS["atlas"]


@pytest.fixture
def settings(settings, provider):  # noqa: F811
    return with_settings(settings, oidc=provider.settings())


@pytest.fixture
def editor(new_context, live_server):
    """Open the console in a browser of its own and sign in there as `who` through the provider."""

    def sign_in(who: str, lang: str = "en", expect_console: bool = True):
        context = new_context()
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        page.statuses = {}
        page.requested_urls = []
        page.on("request", lambda request: page.requested_urls.append(request.url))
        page.on("response", lambda response: page.statuses.setdefault(response.url.split("?")[0], response.status))
        page.document = page.goto(f"{live_server}/admin?lang={lang}")
        page.get_by_role("link", name=SIGN_IN[lang]["with_newsroom"]).click()
        page.locator(f'button[name="sub"][value="{who}"]').first.click()  # the provider's own page
        if expect_console:
            expect(page.locator("#console")).to_be_visible()
        return page

    return sign_in


def card_of(page, image_id: str):
    return page.locator(f'li.card[data-image-id="{image_id}"]')


def verdict(page, image_id: str, button: str, lang: str = "en") -> None:
    card_of(page, image_id).get_by_role("button", name=button, exact=True).click()
    page.locator("#ask-yes").click()


def test_an_editor_signs_in_with_the_newsroom_account_acts_and_the_audit_names_them(editor, reporter, admin,
                                                                                     live_server, cross):
    cross(ATLAS, reason="violence")  # pending: no worker runs here
    page = editor("amina")
    assert page.url == f"{live_server}/admin?lang=en"  # back in the language it left in
    expect(page.locator("#sign-in")).to_be_hidden()
    expect(page.locator("#sign-out")).to_have_attribute("title", "Signed in as amina@newsroom.example")
    expect(page.locator("#sign-out")).to_have_text(SIGN_IN["en"]["sign_out"])
    # No token anywhere a script can read: the session cookie is HttpOnly.
    assert page.evaluate("document.cookie") == "" and page.evaluate("sessionStorage.length") == 0
    verdict(page, ATLAS, ADMIN["en"]["confirm"])
    expect(page.locator("#status")).to_have_text(ADMIN["en"]["done"]["confirm"].format(id=ATLAS))
    events = admin.get(f"/audit?image_id={ATLAS}").json["events"]
    assert [(event["type"], event["actor"]) for event in events] == [("confirmed", "oidc:amina@newsroom.example")]
    page.get_by_label(ADMIN["en"]["find"]).fill(ATLAS)  # now hidden: out of the pending queue
    page.get_by_role("button", name=ADMIN["en"]["show"], exact=True).click()
    card_of(page, ATLAS).get_by_role("button", name=ADMIN["en"]["history"]).click()
    expect(page.locator("#history tbody tr").first).to_contain_text("oidc:amina@newsroom.example")

    # Signing out ends the session: back to the sign-in, and the cookie no longer opens the API.
    page.locator("#sign-out").click()
    expect(page.locator("#sign-in")).to_be_visible()
    expect(page.locator("#newsroom-sign-in")).to_be_visible()
    page.wait_for_function("() => fetch('/v1/admin/session').then(r => r.status === 401)")
    assert csp_violations(page) == []


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_someone_in_no_editor_group_gets_a_named_403(editor, live_server, store, lang):
    page = editor("karim", lang, expect_console=False)
    message = page.locator("#refused-message")
    expect(message).to_have_text(SIGN_IN[lang]["not_editor"].format(groups="editors"))
    expect(page.locator("#refused-who")).to_have_text("karim@newsroom.example")
    assert page.statuses[f"{live_server}/admin/signed-in"] == 403
    page.get_by_role("link", name=SIGN_IN[lang]["back"]).click()
    expect(page.locator("#sign-in")).to_be_visible()  # no session was opened
    expect(page.locator("#console")).to_be_hidden()
    assert store.counts()["audit_events"] == 0


def test_a_forged_post_from_another_page_is_refused(editor, site, reporter, admin, caplog):
    """A page of another origin, in the browser where an editor is signed in, posts to the admin API:
    from the same site (127.0.0.1, another port) the cookie goes along and the missing CSRF token
    refuses it; from another site (localhost) SameSite=Lax keeps the cookie home."""
    reporter.anonymous(ATLAS)
    page = editor("amina")
    target = f"{site.api}/v1/admin/images/{ATLAS}/hide"
    site.files["/forge.js"] = ("text/javascript", (
        f'fetch("{target}", {{method: "POST", mode: "no-cors", credentials: "include"}})'
        '.then(function () { document.title = "sent"; });').encode())
    site.pages["/forge"] = '<!doctype html><title>forge</title><script src="/forge.js"></script>'
    caplog.set_level(logging.INFO, logger="werkzeug")
    for origin, refused in ((site.allowed_origin, "403"), (site.refused_origin, "401")):
        forger = page.context.new_page()
        forger.goto(origin + "/forge")
        expect(forger).to_have_title("sent")
        forger.close()
        assert any(f"POST /v1/admin/images/{ATLAS}/hide" in record.getMessage() and f'" {refused} ' in
                   record.getMessage() + " " for record in caplog.records), (origin, caplog.text)
    # The console's own script, without the token, is refused just the same; nothing was done.
    status = page.evaluate(f'fetch("/v1/admin/images/{ATLAS}/hide", {{method: "POST"}}).then(r => r.status)')
    assert status == 403
    assert admin.get(f"/images/{ATLAS}").json["hidden"] is False
    assert admin.get(f"/audit?image_id={ATLAS}").json["events"] == []


def test_two_editors_on_one_image_the_second_sees_what_the_first_did(editor, reporter, admin, cross):
    cross(ATLAS, reason="violence")
    amina, salma = editor("amina"), editor("salma")
    for page in (amina, salma):
        expect(card_of(page, ATLAS)).to_be_visible()
    verdict(amina, ATLAS, ADMIN["en"]["confirm"])
    expect(amina.locator("#status")).to_have_text(ADMIN["en"]["done"]["confirm"].format(id=ATLAS))
    # Salma still sees the image as she loaded it, and restores it: nothing is overwritten.
    verdict(salma, ATLAS, ADMIN["en"]["restore"])
    expect(salma.locator("#status")).to_have_text(SIGN_IN["en"]["changed"])
    card = card_of(salma, ATLAS)
    expect(card).to_have_class("card state-hidden changed")
    expect(card.locator(".badge.state")).to_have_text(ADMIN["en"]["states"]["hidden"])
    expect(salma.locator("#history tbody tr").first).to_contain_text("oidc:amina@newsroom.example")
    assert admin.get(f"/images/{ATLAS}").json["hidden"] is True
    assert [event["type"] for event in admin.get(f"/audit?image_id={ATLAS}").json["events"]] == ["confirmed"]


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_card_links_to_the_article_saying_whose_link_it_is(editor, reporter, client, lang):
    article = "https://www.example.ma/politique/article.html"
    reporter.anonymous(ATLAS, ip="203.0.113.1", article_url=article)
    reporter.anonymous(PHOTOS["souk"], ip="203.0.113.1")
    client.post("/v1/images", json={"images": [{"image_id": PHOTOS["souk"], "image_url": "https://cdn.example.ma/s.jpg",
                                                "article_url": article + "?from=site"}]},
                headers={"Authorization": f"Bearer {FRONTEND_KEY}"})
    page = editor("amina", lang)
    page.get_by_role("button", name=ADMIN[lang]["tabs"]["reported"]).click()
    texts = ARTICLE[lang]
    reader_link = card_of(page, ATLAS).get_by_role("link", name=texts["open_article"])
    expect(reader_link).to_have_attribute("href", article)
    expect(reader_link).to_have_attribute("rel", "noopener noreferrer")
    expect(card_of(page, ATLAS).locator(".article")).to_contain_text(texts["reader_article"])
    site_card = card_of(page, PHOTOS["souk"])
    expect(site_card.get_by_role("link", name=texts["open_article"])).to_have_attribute("href", article + "?from=site")
    expect(site_card.locator(".article")).not_to_contain_text(texts["reader_article"])
    assert not any("example.ma/politique" in url for url in page.requested_urls)  # never fetched


def test_an_image_one_editor_opened_shows_their_name_to_the_other(editor, reporter, live_server, cross):
    cross(ATLAS, reason="violence", image_url=f"{live_server}/demo/images/atlas.jpg")
    amina, salma = editor("amina"), editor("salma")
    card_of(amina, ATLAS).get_by_role("button", name=ADMIN["en"]["reveal"]).click()
    salma.get_by_role("button", name=ADMIN["en"]["refresh"]).click()
    expect(card_of(salma, ATLAS).locator(".badge.judging")).to_have_text(
        QUEUE_SHARED["en"]["judging"].format(name="amina@newsroom.example"))
    amina.get_by_role("button", name=ADMIN["en"]["refresh"]).click()
    expect(card_of(amina, ATLAS)).to_be_visible()
    expect(card_of(amina, ATLAS).locator(".badge.judging")).to_have_count(0)  # not my own name
