"""The editors' console in a real Chromium: sign-in, lists, reset, hide, protect, history, languages."""
from __future__ import annotations

from playwright.sync_api import expect

from service.page_texts import ADMIN, PHOTOS
from tests.browser.conftest import csp_violations
from tests.conftest import ADMIN_TOKEN, FRONTEND_KEY

SOUK = PHOTOS["souk"]
TOKEN_KEY = "imgmod.adminToken"


def sign_in(page, token: str, lang: str) -> None:
    page.get_by_role("textbox", name=ADMIN[lang]["token"]).fill(token)
    page.get_by_role("button", name=ADMIN[lang]["sign_in"]).click()


def hide_by_readers(reporter, workers, image_id: str) -> None:
    for n in range(3):
        assert reporter.anonymous(image_id, ip=f"203.0.113.{n}", reason="violence").json["counted"]
    workers.burst()


def test_a_wrong_token_is_refused(reader, store):
    page = reader("/admin?lang=en")
    expect(page.locator("h1")).to_contain_text("Editors' console")
    sign_in(page, "not-the-token", "en")
    expect(page.locator("#sign-in-error")).to_have_text(ADMIN["en"]["refused"])
    expect(page.locator("#console")).to_be_hidden()
    assert page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") is None
    sign_in(page, FRONTEND_KEY, "en")
    expect(page.locator("#sign-in-error")).to_have_text(ADMIN["en"]["forbidden"])
    assert store.counts()["audit_events"] == 0
    assert csp_violations(page) == []


def test_an_editor_restores_a_hidden_photo_and_the_demo_shows_it_again(reader, reporter, workers, live_server,
                                                                        admin):
    hide_by_readers(reporter, workers, SOUK)
    before = reader("/demo")
    expect(before.locator(".imgmod-overlay")).to_have_count(1)

    page = reader("/admin?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    sign_in(page, ADMIN_TOKEN, "ar")
    card = page.locator(f'li.card[data-image-id="{SOUK}"]')
    expect(card).to_be_visible()
    expect(card).to_contain_text("3 من 3")
    expect(card).to_contain_text("عنف 3")
    expect(card.locator(".badge.state")).to_have_text(ADMIN["ar"]["states"]["hidden"])
    thumbnail = card.locator(".thumb img")
    expect(thumbnail).to_have_attribute("src", f"/v1/images/{SOUK}/placeholder")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    # The token lives in this tab's sessionStorage only: not in the URL, not in a cookie.
    assert page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") == ADMIN_TOKEN
    assert ADMIN_TOKEN not in page.url and page.context.cookies() == []
    assert not [url for url in page.requested if ADMIN_TOKEN in url]

    card.locator("summary").click()
    card.get_by_label(ADMIN["ar"]["note"]).fill("صورة سليمة")
    card.get_by_role("button", name=ADMIN["ar"]["reset_now"]).click()
    expect(page.locator("#status")).to_have_text(ADMIN["ar"]["done"]["reset"].replace("{id}", SOUK))
    expect(page.locator("#list")).to_have_text(ADMIN["ar"]["empty"])  # nothing hidden any more

    [event] = admin.get(f"/audit?image_id={SOUK}").json["events"][:1]
    assert (event["type"], event["actor"]) == ("reset", "editor")
    assert event["detail"]["note"] == "صورة سليمة" and event["detail"]["forget_reporters"] is False

    after = reader("/demo", address="198.51.100.50")  # a fresh reader: no cached lookup
    souk = after.locator(f'img[data-image-id="{SOUK}"]')
    expect(souk).to_have_attribute("src", "/demo/images/souk.jpg")
    expect(after.locator(".imgmod-overlay")).to_have_count(0)
    expect(after.locator(".imgmod-report")).to_have_count(len(PHOTOS))
    assert f"{live_server}/demo/images/souk.jpg" in after.requested
    assert csp_violations(page) == []


def test_forgetting_reporters_on_reset(reader, reporter, workers, admin):
    hide_by_readers(reporter, workers, SOUK)
    page = reader("/admin?lang=fr")
    sign_in(page, ADMIN_TOKEN, "fr")
    card = page.locator(f'li.card[data-image-id="{SOUK}"]')
    card.get_by_text(ADMIN["fr"]["reset"]).click()
    card.get_by_label(ADMIN["fr"]["forget"]).check()
    card.get_by_role("button", name=ADMIN["fr"]["reset_now"]).click()
    expect(page.locator("#status")).to_have_text(f"{SOUK} rétablie.")
    event = admin.get(f"/audit?image_id={SOUK}").json["events"][0]
    assert event["detail"]["forget_reporters"] is True
    assert reporter.anonymous(SOUK, ip="203.0.113.0").json["counted"] is True  # forgotten: counts again


def test_find_protect_hide_and_history_in_french(reader, reporter, admin):
    reporter.anonymous(PHOTOS["atlas"], reason="spam")
    page = reader("/admin?lang=fr")
    expect(page.get_by_role("button", name=ADMIN["fr"]["sign_in"])).to_be_visible()
    sign_in(page, ADMIN_TOKEN, "fr")
    page.get_by_role("button", name=ADMIN["fr"]["tabs"]["reported"]).click()
    card = page.locator(f'li.card[data-image-id="{PHOTOS["atlas"]}"]')
    expect(card).to_contain_text("1 sur 3")
    expect(card).to_contain_text("Spam 1")

    page.get_by_label(ADMIN["fr"]["find"]).fill(PHOTOS["kasbah"])
    page.get_by_role("button", name=ADMIN["fr"]["show"]).click()
    card = page.locator(f'li.card[data-image-id="{PHOTOS["kasbah"]}"]')
    card.get_by_role("button", name=ADMIN["fr"]["protect"]).click()
    expect(card.locator(".badge.protected")).to_have_text(ADMIN["fr"]["protected_badge"])
    card.get_by_role("button", name=ADMIN["fr"]["hide"]).click()
    expect(card.locator(".badge.state")).to_have_text(ADMIN["fr"]["states"]["hidden"])
    card.get_by_role("button", name=ADMIN["fr"]["unprotect"]).click()
    expect(card.locator(".badge.protected")).to_have_count(0)
    card.get_by_role("button", name=ADMIN["fr"]["history"]).click()
    rows = page.locator("#history tbody tr")
    expect(rows).to_have_count(3)
    events = ADMIN["fr"]["events"]
    expect(rows.locator("td:nth-child(2)")).to_have_text([events["unprotected"], events["manual_hide"],
                                                           events["protected"]])
    expect(rows.first.locator("td:nth-child(3)")).to_have_text("editor")
    detail = admin.get(f"/images/{PHOTOS['kasbah']}").json
    assert (detail["state"], detail["protected"]) == ("hidden", False)


def test_signing_out_forgets_the_token(reader):
    page = reader("/admin?lang=en")
    sign_in(page, ADMIN_TOKEN, "en")
    expect(page.locator("#console")).to_be_visible()
    page.reload()
    expect(page.locator("#console")).to_be_visible()  # the same tab keeps it
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#sign-in")).to_be_visible()
    assert page.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") is None


def test_long_lists_page_with_the_api_cursor(reader, store):
    for n in range(30):
        store.report(f"img-{n:02}", "reader", "spam", None)
    page = reader("/admin?lang=en")
    sign_in(page, ADMIN_TOKEN, "en")
    page.get_by_role("button", name="Most reported").click()
    cards = page.locator("li.card")
    expect(cards).to_have_count(25)
    page.get_by_role("button", name="Load more").click()
    expect(cards).to_have_count(30)
    expect(page.get_by_role("button", name="Load more")).to_be_hidden()
    ids = cards.evaluate_all("cards => cards.map(card => card.dataset.imageId)")
    assert sorted(ids) == [f"img-{n:02}" for n in range(30)]
