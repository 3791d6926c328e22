"""The editors' console in a real Chromium: sign-in and the token across tabs, the queue and its
totals, judging a photo (blurred photo, reasons, comments, score, reporters' mix), verdicts asked
for once more, hide, protect, history in each language, paging."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from harness.redis_server import free_port
from service.web.page_texts import ADMIN, PHOTOS
from tests.browser.conftest import csp_violations
from tests.conftest import ADMIN_TOKEN, FRONTEND_KEY
from tests.test_ids import ARABIC, BAD_IDS, GOOD_IDS, ODD_IDS

SOUK = PHOTOS["souk"]
TOKEN_KEY = "imgmod.adminToken"
NO_ONE = {"anonymous": 0, "accounts": 0, "poor_record": 0}


def sign_in(page, token: str, lang: str) -> None:
    page.get_by_role("textbox", name=ADMIN[lang]["token"]).fill(token)
    page.get_by_role("button", name=ADMIN[lang]["sign_in"]).click()


def hide_by_readers(reporter, workers, image_id: str) -> None:
    for n in range(3):
        assert reporter.anonymous(image_id, ip=f"203.0.113.{n}", reason="violence").json["counted"]
    workers.burst()


def card_of(page, image_id: str):
    return page.locator(f'li.card[data-image-id="{image_id}"]')


def find(page, image_id: str, lang: str = "en"):
    page.get_by_label(ADMIN[lang]["find"]).fill(image_id)
    page.get_by_role("button", name=ADMIN[lang]["show"], exact=True).click()
    card = card_of(page, image_id)
    expect(card).to_be_visible()
    return card


def audit_types(admin, image_id: str) -> list[str]:
    return [event["type"] for event in admin.get(f"/audit?image_id={image_id}").json["events"]]


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


def test_the_queue_comes_first_with_totals_per_tab(reader, reporter, admin):
    for n in range(3):  # review: a review reason reaches the threshold
        reporter.anonymous(PHOTOS["coast"], ip=f"203.0.113.{n}", reason="copyright")
        reporter.anonymous(PHOTOS["atlas"], ip=f"203.0.113.{n}", reason="hate")  # pending: no worker runs
    reporter.anonymous(PHOTOS["kasbah"], reason="spam")
    admin.post(f"/images/{SOUK}/hide")
    page = reader("/admin?lang=en")
    sign_in(page, ADMIN_TOKEN, "en")
    tabs = page.locator(".states button")
    expect(tabs).to_have_text(["Notices (0)", "To review (1)", "Pending (1)", "Most reported (3)", "Hidden (1)",
                               "Protected (0)"])
    expect(page.get_by_role("button", name="To review")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("li.card")).to_have_count(1)
    expect(card_of(page, PHOTOS["coast"]).locator(".badge.state")).to_have_text(ADMIN["en"]["states"]["review"])

    page.get_by_role("button", name="Most reported").click()
    expect(page.locator("li.card")).to_have_count(3)
    # Totals follow the editors' actions.
    card_of(page, PHOTOS["kasbah"]).get_by_role("button", name="Protect").click()
    expect(tabs.nth(5)).to_have_text("Protected (1)")

    # With nothing to review, the queue opens on the next tab that has something.
    admin.post(f"/images/{PHOTOS['coast']}/reset", json={})
    second = reader("/admin?lang=en")
    sign_in(second, ADMIN_TOKEN, "en")
    expect(second.get_by_role("button", name="Pending")).to_have_attribute("aria-pressed", "true")
    expect(card_of(second, PHOTOS["atlas"])).to_be_visible()
    assert csp_violations(page) == [] and csp_violations(second) == []


def test_the_photo_is_blurred_until_revealed_with_reasons_comments_score_and_reporters(reader, reporter, admin,
                                                                                         live_server):
    url = f"{live_server}/demo/images/souk.jpg"
    reporter.frontend("img-0", "overturned")  # one site account with a poor record: overturned once
    admin.post("/images/img-0/reset", json={})
    reporter.frontend(SOUK, "overturned", reason="violence", image_url=url, comment="Une scène choquante")
    reporter.frontend(SOUK, "fresh", reason="violence", image_url=url)
    reporter.anonymous(SOUK, reason="spam", comment="publicité")
    assert admin.get(f"/images/{SOUK}").json["reporters"] == {"anonymous": 1, "accounts": 2, "poor_record": 1}

    page = reader("/admin?lang=en")
    policy = page.document.headers["content-security-policy"]
    assert "img-src 'self' http: https: data:" in policy and "unsafe-inline" not in policy  # served over http
    sign_in(page, ADMIN_TOKEN, "en")
    page.get_by_role("button", name="Most reported").click()
    card = card_of(page, SOUK)
    photo = card.locator(".frame img")
    expect(photo).to_have_attribute("src", url)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    assert "blur" in photo.evaluate("img => getComputedStyle(img).filter")
    reveal = card.get_by_role("button", name="Show the photo")
    expect(reveal).to_have_attribute("aria-pressed", "false")
    reveal.click()
    expect(card.get_by_role("button", name="Blur it again")).to_have_attribute("aria-pressed", "true")
    assert photo.evaluate("img => getComputedStyle(img).filter") == "none"
    link = card.get_by_role("link", name="Open the photo in a new tab")
    expect(link).to_have_attribute("href", url)
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")

    expect(card.locator(".score dd")).to_have_text("2.67 of 3")  # 2/3 + 1 + 1: the overturned account weighs less
    expect(card.locator(".reporters dd")).to_have_text("1 anonymous, 2 site accounts (1 of them with a poor record)")
    expect(card.locator(".reasons dd")).to_have_text("Violence 2, Spam 1")
    expect(card.locator(".comments q")).to_have_text(["publicité", "Une scène choquante"])  # newest first
    text = card.inner_text()
    assert "overturned" not in text and "fresh" not in text  # never who
    assert csp_violations(page) == []


def test_a_comment_in_arabic_reads_within_its_own_quotes_in_every_language(reader, reporter):
    reporter.anonymous(SOUK, ip="203.0.113.1", reason="violence", comment="صورة صادمة")
    reporter.anonymous(SOUK, ip="203.0.113.2", reason="spam", comment="A shocking photo")
    for lang in ("en", "fr", "ar"):
        page = reader(f"/admin?lang={lang}")
        sign_in(page, ADMIN_TOKEN, lang)
        card = card_of(page, SOUK)  # the console opens on the most reported
        expect(card).to_be_visible()
        arabic, latin = card.locator(".comments q").nth(1), card.locator(".comments q").nth(0)
        expect(arabic).to_have_text("صورة صادمة")
        # Polled, the locator found anew each time: the console may draw the card again meanwhile.
        expect(arabic).to_have_css("direction", "rtl")
        expect(arabic).to_have_css("quotes", '"«" "»"')  # mirrored in right-to-left text: « on the right
        expect(latin).to_have_css("direction", "ltr")
        if lang == "en":  # the page's own quotes around a left-to-right comment
            expect(latin).not_to_have_css("quotes", '"«" "»"')


def test_a_hidden_photo_without_an_address_shows_its_placeholder(reader, reporter, workers):
    hide_by_readers(reporter, workers, SOUK)
    page = reader("/admin?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    sign_in(page, ADMIN_TOKEN, "ar")
    page.get_by_role("button", name=ADMIN["ar"]["tabs"]["hidden"]).click()
    card = card_of(page, SOUK)
    expect(card).to_contain_text("3 من 3")
    expect(card).to_contain_text("عنف 3")
    expect(card.locator(".reporters dd")).to_have_text("مجهولون: 3، حسابات في الموقع: 0")
    photo = card.locator(".frame img")
    expect(photo).to_have_attribute("src", f"/v1/images/{SOUK}/placeholder")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    expect(card.get_by_role("link")).to_have_count(0)  # no address of its own to open
    assert csp_violations(page) == []


def test_a_readers_photo_address_is_labelled_and_one_that_does_not_load_is_said(reader, reporter):
    """An http photo is allowed on a console served over http; one whose address does not answer used to
    leave an empty frame with no word."""
    dead = f"http://127.0.0.1:{free_port()}/photo.jpg"
    reporter.anonymous(SOUK, reason="violence", image_url=dead)
    page = reader("/admin?lang=en")
    sign_in(page, ADMIN_TOKEN, "en")
    page.get_by_role("button", name="Most reported").click()
    card = card_of(page, SOUK)
    expect(card.locator(".frame")).to_contain_text(ADMIN["en"]["photo_failed"])
    expect(card.locator(".reader-url")).to_have_text(ADMIN["en"]["reader_url"])  # a reader's claim, labelled
    assert csp_violations(page) == []


def test_the_reports_are_right_asks_first_and_keeps_a_note(reader, reporter, admin):
    for n in range(3):
        reporter.anonymous(PHOTOS["coast"], ip=f"203.0.113.{n}", reason="misleading")
    page = reader("/admin?lang=fr")
    sign_in(page, ADMIN_TOKEN, "fr")
    card = card_of(page, PHOTOS["coast"])
    card.get_by_role("button", name=ADMIN["fr"]["confirm"]).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("h2")).to_have_text(f"Les signalements de {PHOTOS['coast']} sont-ils fondés ?")
    dialog.get_by_role("button", name=ADMIN["fr"]["cancel"]).click()
    expect(dialog).to_be_hidden()
    assert admin.get(f"/images/{PHOTOS['coast']}").json["state"] == "review"  # stepping back changes nothing
    assert "confirmed" not in audit_types(admin, PHOTOS["coast"])

    card.get_by_role("button", name=ADMIN["fr"]["confirm"]).click()
    dialog.get_by_label(ADMIN["fr"]["note"]).fill("Légende trompeuse, vérifié")
    dialog.get_by_role("button", name=ADMIN["fr"]["ask"]["confirm"]["yes"]).click()
    expect(page.locator("#status")).to_have_text(
        f"Masquage de {PHOTOS['coast']} confirmé : les signalements sont fondés.")
    assert admin.get(f"/images/{PHOTOS['coast']}").json["state"] == "hidden"
    event = admin.get(f"/audit?image_id={PHOTOS['coast']}").json["events"][0]
    assert (event["type"], event["actor"], event["detail"]["note"]) == ("confirmed", "editor",
                                                                          "Légende trompeuse, vérifié")
    expect(page.get_by_role("button", name=ADMIN["fr"]["tabs"]["review"])).to_contain_text("(0)")


def test_the_photo_is_fine_restores_judging_the_reporters_or_not(reader, reporter, workers, admin, live_server):
    hide_by_readers(reporter, workers, SOUK)
    before = reader("/demo")
    expect(before.locator(".imgmod-overlay")).to_have_count(1)
    page = reader("/admin?lang=ar")
    sign_in(page, ADMIN_TOKEN, "ar")
    page.get_by_role("button", name=ADMIN["ar"]["tabs"]["hidden"]).click()
    card = card_of(page, SOUK)
    card.get_by_role("button", name=ADMIN["ar"]["restore"]).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label(ADMIN["ar"]["note"]).fill("صورة سليمة")
    dialog.get_by_role("button", name=ADMIN["ar"]["ask"]["restore"]["yes"]).click()
    expect(page.locator("#status")).to_have_text(ADMIN["ar"]["done"]["restore"].replace("{id}", SOUK))
    expect(page.locator("#list")).to_have_text(ADMIN["ar"]["empty"])  # nothing hidden any more
    # Judged fine: its card says until when new readers can only send it back to editors.
    restored = find(page, SOUK, "ar")
    expect(restored.locator(".restored-until dt")).to_have_text(ADMIN["ar"]["restored_until"])
    expect(restored.locator(".restored-until time")).to_have_attribute("datetime", re.compile(r"^\d{4}-"))
    event = admin.get(f"/audit?image_id={SOUK}").json["events"][0]
    assert (event["type"], event["actor"]) == ("reset", "editor")
    assert event["detail"]["note"] == "صورة سليمة"
    assert (event["detail"]["verdict"], event["detail"]["forget_reporters"]) == ("disagree", False)
    # The token was in this tab only, never in a URL or a cookie.
    assert ADMIN_TOKEN not in page.url and page.context.cookies() == []
    assert not [url for url in page.requested if ADMIN_TOKEN in url]

    after = reader("/demo", address="198.51.100.50")  # a fresh reader: no cached lookup
    expect(after.locator(f'img[data-image-id="{SOUK}"]')).to_have_attribute("src", "/demo/images/souk.jpg")
    expect(after.locator(".imgmod-overlay")).to_have_count(0)
    assert f"{live_server}/demo/images/souk.jpg" in after.requested

    # The secondary choice: restore without judging anyone, and forget the reporters.
    for n in range(3):
        reporter.anonymous(PHOTOS["coast"], ip=f"203.0.113.{n}", reason="copyright")
    page.get_by_role("button", name=ADMIN["ar"]["tabs"]["review"]).click()
    card = card_of(page, PHOTOS["coast"])
    card.get_by_role("button", name=ADMIN["ar"]["restore"]).click()
    dialog.get_by_label(ADMIN["ar"]["forget"]).check()
    dialog.get_by_role("button", name=ADMIN["ar"]["ask"]["restore"]["ignore"]).click()
    expect(page.locator("#status")).to_have_text(ADMIN["ar"]["done"]["restore"].replace("{id}", PHOTOS["coast"]))
    event = admin.get(f"/audit?image_id={PHOTOS['coast']}").json["events"][0]
    assert (event["detail"]["verdict"], event["detail"]["forget_reporters"]) == ("ignore", True)
    assert reporter.anonymous(PHOTOS["coast"], ip="203.0.113.0").json["counted"] is True  # forgotten: counts again
    assert csp_violations(page) == []


def test_hide_now_asks_first(reader, admin):
    page = reader("/admin?lang=en")
    sign_in(page, ADMIN_TOKEN, "en")
    card = find(page, PHOTOS["kasbah"])
    card.get_by_role("button", name="Hide now").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("h2")).to_have_text(f"Hide {PHOTOS['kasbah']} now, on every site?")
    expect(dialog.get_by_label(ADMIN["en"]["note"])).to_be_hidden()  # a hide takes no note
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert admin.get(f"/images/{PHOTOS['kasbah']}").json["hidden"] is False
    assert audit_types(admin, PHOTOS["kasbah"]) == []
    card.get_by_role("button", name="Hide now").click()
    dialog.get_by_role("button", name="Yes, hide it now").click()
    expect(card.locator(".badge.state")).to_have_text("hidden")
    assert audit_types(admin, PHOTOS["kasbah"]) == ["manual_hide"]
    expect(card.get_by_role("button", name="Hide now")).to_have_count(0)


def test_each_action_is_sent_with_a_fresh_idempotency_key(reader, admin):
    page = reader("/admin?lang=en")
    sign_in(page, ADMIN_TOKEN, "en")
    sent = []
    page.on("request", lambda request: sent.append(request) if request.method in ("POST", "PUT") else None)
    card = find(page, PHOTOS["kasbah"])
    card.get_by_role("button", name="Protect", exact=True).click()
    expect(card.get_by_role("button", name="Unprotect", exact=True)).to_be_visible()
    card.get_by_role("button", name="Unprotect", exact=True).click()
    expect(card.get_by_role("button", name="Protect", exact=True)).to_be_visible()
    keys = [request.headers.get("idempotency-key") for request in sent]
    assert len(keys) == 2 and all(re.fullmatch(r"[0-9a-f]{32}", key or "") for key in keys)
    assert keys[0] != keys[1]
    assert audit_types(admin, PHOTOS["kasbah"]) == ["unprotected", "protected"]


def test_restore_is_offered_only_for_hidden_pending_or_review_images(reader, reporter, admin):
    reporter.anonymous(PHOTOS["atlas"], reason="spam")  # visible, reported once
    for n in range(3):
        reporter.anonymous(PHOTOS["kasbah"], ip=f"203.0.113.{n}", reason="hate")  # pending
        reporter.anonymous(PHOTOS["coast"], ip=f"203.0.113.{n}", reason="copyright")  # review
    admin.post(f"/images/{SOUK}/hide")
    page = reader("/admin?lang=en")
    sign_in(page, ADMIN_TOKEN, "en")
    expected = {PHOTOS["atlas"]: 0, PHOTOS["kasbah"]: 1, PHOTOS["coast"]: 1, SOUK: 1, "never-reported": 0}
    for image_id, offered in expected.items():
        card = find(page, image_id)
        expect(card.get_by_role("button", name="The photo is fine")).to_have_count(offered)
    # A photo nobody reported has nothing to confirm either; it can still be hidden by hand.
    expect(card.get_by_role("button", name="The reports are right")).to_have_count(0)
    expect(card.get_by_role("button", name="Hide now")).to_have_count(1)


EXPECTED_HISTORY = {
    "ar": ["إعادة إظهار", "تأكيد الحجب", "حجب يدوي", "حماية"],
    "fr": ["Rétablie", "Masquage confirmé", "Masquée à la main", "Protégée"],
    "en": ["Restored", "Reports confirmed", "Hidden by hand", "Protected"],
}
EXPECTED_CONFIRM = {  # the detail of the confirm, in words
    "ar": "الإبلاغات صحيحة: تزداد الثقة في 0 من حسابات الموقع؛ كانت محجوبة من قبل",
    "fr": "signalements fondés : 0 comptes du site gagnent en confiance; elle était déjà masquée",
    "en": "the reports were right: 0 site accounts gain trust; it was already hidden",
}
NOTES = {"ar": "خطأ في التقدير", "fr": "erreur", "en": "a mistake"}


def test_history_is_in_the_editors_language_and_direction(reader, admin):
    for lang in ("ar", "fr", "en"):
        image_id = f"history-{lang}"
        admin.put(f"/images/{image_id}/protection", json={"protected": True})
        admin.post(f"/images/{image_id}/hide")
        admin.post(f"/images/{image_id}/confirm", json={})
        admin.post(f"/images/{image_id}/reset", json={"verdict": "ignore", "note": NOTES[lang]})
        page = reader(f"/admin?lang={lang}")
        sign_in(page, ADMIN_TOKEN, lang)
        find(page, image_id, lang).get_by_role("button", name=ADMIN[lang]["history"]).click()
        rows = page.locator("#history tbody tr")
        expect(rows.locator("td:nth-child(2)")).to_have_text(EXPECTED_HISTORY[lang])
        details = rows.locator("td.detail")
        expect(details.first).to_contain_text(NOTES[lang])
        texts = [re.sub(r"\s+", " ", text).strip() for text in details.all_inner_texts()]
        # Human sentences, no raw keys or JSON; the note as the editor wrote it, quoted.
        for text in texts:
            assert not re.search(r"[a-z]+_[a-z]+|true|false|[{}\"]", text.replace(NOTES[lang], "")), text
        assert texts[1] == EXPECTED_CONFIRM[lang] and texts[2:] == ["", ""]
        assert details.first.locator("q").get_attribute("dir") == "auto"
        expect(rows.first.locator("td:nth-child(3)")).to_have_text("editor")
        table = page.locator("#history table")
        assert table.evaluate("node => getComputedStyle(node).direction") == ("rtl" if lang == "ar" else "ltr")
        title = page.locator("#history-title")
        expect(title).to_have_text(ADMIN[lang]["history_of"].replace("{id}", image_id))
        assert title.locator("bdi").get_attribute("dir") == "ltr"  # the id keeps its own order in Arabic
        assert csp_violations(page) == []


def test_automatic_events_are_named_in_words(reader, reporter, workers):
    hide_by_readers(reporter, workers, SOUK)
    page = reader("/admin?lang=en")
    sign_in(page, ADMIN_TOKEN, "en")
    find(page, SOUK).get_by_role("button", name="History").click()
    row = page.locator("#history tbody tr").first
    expect(row.locator("td")).to_have_text([re.compile(r".+"), "Hidden automatically", "automatic",
                                            "3 reports, score 3"])


def test_a_new_search_clears_the_previous_images_history(reader, admin):
    admin.post(f"/images/{SOUK}/hide")
    page = reader("/admin?lang=en")
    sign_in(page, ADMIN_TOKEN, "en")
    find(page, SOUK).get_by_role("button", name="History").click()
    expect(page.locator("#history tbody tr")).to_have_count(1)
    find(page, PHOTOS["atlas"])
    expect(page.locator("#history")).to_be_hidden()
    expect(page.locator("#history tbody tr")).to_have_count(0)
    expect(page.locator("#history-title")).to_have_text("")
    page.get_by_role("button", name="History").click()
    expect(page.locator("#history-title")).to_have_text(f"History of {PHOTOS['atlas']}")
    expect(page.locator("#history tbody")).to_have_text(ADMIN["en"]["no_events"])


def test_the_token_is_shared_with_this_browsers_console_tabs_and_forgotten_in_all(reader, live_server):
    first = reader("/admin?lang=en")
    sign_in(first, ADMIN_TOKEN, "en")
    expect(first.locator("#console")).to_be_visible()
    first.reload()
    expect(first.locator("#console")).to_be_visible()  # the same tab keeps it

    second = first.context.new_page()  # another tab of the same browser
    second.goto(f"{live_server}/admin?lang=fr")
    expect(second.locator("#console")).to_be_visible()
    assert second.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") == ADMIN_TOKEN
    # Nothing that outlives the tabs: no localStorage, no cookie.
    assert second.evaluate("localStorage.length") == 0 and first.context.cookies() == []

    other_browser = reader("/admin?lang=en")  # another browser profile knows nothing
    expect(other_browser.locator("#sign-in")).to_be_visible()
    expect(other_browser.locator("#console")).to_be_hidden()

    second.get_by_role("button", name=ADMIN["fr"]["sign_out"]).click()
    expect(second.locator("#sign-in")).to_be_visible()
    expect(first.locator("#sign-in")).to_be_visible()  # forgotten in every tab
    assert first.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") is None
    third = first.context.new_page()
    third.goto(f"{live_server}/admin?lang=en")
    expect(third.locator("#sign-in")).to_be_visible()
    assert third.evaluate(f"sessionStorage.getItem('{TOKEN_KEY}')") is None


def test_find_protect_and_unprotect_in_french(reader, reporter, admin):
    reporter.anonymous(PHOTOS["atlas"], reason="spam")
    page = reader("/admin?lang=fr")
    expect(page.get_by_role("button", name=ADMIN["fr"]["sign_in"])).to_be_visible()
    sign_in(page, ADMIN_TOKEN, "fr")
    page.get_by_role("button", name=ADMIN["fr"]["tabs"]["reported"]).click()
    card = card_of(page, PHOTOS["atlas"])
    expect(card.locator(".score dd")).to_have_text("1 sur 3")
    expect(card).to_contain_text("Spam 1")

    card = find(page, PHOTOS["kasbah"], "fr")
    card.get_by_role("button", name=ADMIN["fr"]["protect"]).click()
    expect(card.locator(".badge.protected")).to_have_text(ADMIN["fr"]["protected_badge"])
    card.get_by_role("button", name=ADMIN["fr"]["unprotect"]).click()
    expect(card.locator(".badge.protected")).to_have_count(0)
    card.get_by_role("button", name=ADMIN["fr"]["history"]).click()
    rows = page.locator("#history tbody tr")
    events = ADMIN["fr"]["events"]
    expect(rows.locator("td:nth-child(2)")).to_have_text([events["unprotected"], events["protected"]])
    assert admin.get(f"/images/{PHOTOS['kasbah']}").json["protected"] is False


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


def _near(bits: bytes, flipped: int) -> bytes:
    """`bits` with its first `flipped` bits flipped: a hash that many bits away."""
    value = int.from_bytes(bits, "big") ^ (((1 << flipped) - 1) << (256 - flipped))
    return value.to_bytes(32, "big")


def test_a_source_lists_its_copies_and_each_copy_links_back_with_its_distance(reader, store, admin, workers):
    source = bytes(range(7, 39))
    store.save_hash("agency-photo", source, 90)
    store.save_hash("article-7.hero", _near(source, 4), 90)
    store.save_hash("article-9.hero", _near(source, 12), 90)
    store.save_hash("unrelated", bytes(range(100, 132)), 90)
    admin.post("/images/agency-photo/hide")
    workers.burst()  # the match job of the new source hides its two copies
    assert admin.get("/images/article-9.hero").json["matched_from"] == "agency-photo"

    page = reader("/admin?lang=en")
    sign_in(page, ADMIN_TOKEN, "en")
    card = find(page, "agency-photo")
    matches = card.locator(".matches")
    expect(matches.locator("h4")).to_have_text(ADMIN["en"]["matches"])
    expect(matches.locator(".count")).to_have_text("Copies hidden through it: 2")
    expect(matches.locator("li")).to_have_text(["article-7.hero (4 bits apart)", "article-9.hero (12 bits apart)"])
    matches.get_by_role("link", name="article-9.hero").click()  # the copy's own card
    copy = card_of(page, "article-9.hero")
    expect(copy.locator(".matches .source")).to_have_text("Copy of agency-photo (12 bits apart)")
    copy.locator(".matches").get_by_role("link", name="agency-photo").click()  # and back to its source
    expect(card_of(page, "agency-photo").locator(".matches li")).to_have_count(2)

    # A link to a card is an address: it opens in another tab of the console, in any language.
    arabic = reader("/admin?lang=ar#image=article-7.hero")
    sign_in(arabic, ADMIN_TOKEN, "ar")
    expect(card_of(arabic, "article-7.hero").locator(".matches .source")).to_have_text(
        "نسخة من agency-photo (على بعد 4 بت)")
    french = reader("/admin?lang=fr")
    sign_in(french, ADMIN_TOKEN, "fr")
    french.get_by_role("button", name=ADMIN["fr"]["tabs"]["hidden"]).click()
    expect(card_of(french, "agency-photo").locator(".matches .count")).to_have_text(
        "Copies masquées à cause d'elle : 2")
    expect(card_of(french, "article-7.hero").locator(".matches .source")).to_have_text(
        "Copie de agency-photo (à 4 bits)")

    admin.post("/images/agency-photo/reset", json={})  # its copies are restored: none left to list
    admin.post("/images/agency-photo/hide")
    page.get_by_role("button", name=ADMIN["en"]["refresh"]).click()
    expect(card_of(page, "agency-photo").locator(".matches .none")).to_have_text(ADMIN["en"]["no_copies"])
    assert csp_violations(page) == [] and csp_violations(arabic) == [] and csp_violations(french) == []


def test_the_search_takes_every_id_and_only_ids(reader):
    page = reader("/admin?lang=en")
    sign_in(page, ADMIN_TOKEN, "en")
    # The field's own checks (a value set by script is neither length-checked nor, for "\n", kept).
    judged = page.evaluate("""ids => ids.map(id => {
        const field = document.getElementById("find"); field.value = id; return field.checkValidity(); })""",
                           GOOD_IDS + ODD_IDS + BAD_IDS)
    refused = [image_id for image_id in BAD_IDS if image_id not in ("x" * 201, "a\n")]
    assert dict(zip(GOOD_IDS + ODD_IDS + BAD_IDS, judged)) == {
        **{image_id: True for image_id in GOOD_IDS + ODD_IDS}, **{image_id: False for image_id in refused},
        "x" * 201: True, "a\n": True}  # the API refuses those with its 422, which the console shows


@pytest.mark.parametrize("image_id", [ARABIC, "news/2024/x/reset"])
def test_an_arabic_id_and_one_ending_in_reset_are_found_and_judged(reader, reporter, admin, image_id):
    reporter.anonymous(image_id, reason="misleading")
    for n in range(3):  # another photo to review: the console opens on it, and only a search shows ours
        reporter.anonymous(PHOTOS["coast"], ip=f"203.0.113.{n}", reason="copyright")
    page = reader("/admin?lang=en")
    sign_in(page, ADMIN_TOKEN, "en")
    expect(card_of(page, PHOTOS["coast"])).to_be_visible()
    expect(card_of(page, image_id)).to_have_count(0)
    card = find(page, image_id)
    expect(card.locator(".badge.state")).to_have_text(ADMIN["en"]["states"]["visible"])
    expect(card.locator(".reports dd")).to_have_text("1")
    dialog = page.get_by_role("dialog")

    card.get_by_role("button", name=ADMIN["en"]["confirm"]).click()
    dialog.get_by_role("button", name=ADMIN["en"]["ask"]["confirm"]["yes"]).click()
    expect(page.locator("#status")).to_have_text(ADMIN["en"]["done"]["confirm"].replace("{id}", image_id))
    expect(card_of(page, image_id).locator(".badge.state")).to_have_text(ADMIN["en"]["states"]["hidden"])
    photo = card_of(page, image_id).locator(".frame img")  # hidden, no address: its placeholder
    expect(photo).to_have_attribute("src", f"/v1/images/{quote(image_id, safe='')}/placeholder")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())

    card_of(page, image_id).get_by_role("button", name=ADMIN["en"]["protect"]).click()
    expect(card_of(page, image_id).locator(".badge.protected")).to_have_text(ADMIN["en"]["protected_badge"])
    card_of(page, image_id).get_by_role("button", name=ADMIN["en"]["restore"]).click()
    dialog.get_by_role("button", name=ADMIN["en"]["ask"]["restore"]["yes"]).click()
    expect(card_of(page, image_id).locator(".badge.state")).to_have_text(ADMIN["en"]["states"]["visible"])
    card_of(page, image_id).get_by_role("button", name=ADMIN["en"]["hide"]).click()
    dialog.get_by_role("button", name=ADMIN["en"]["ask"]["hide"]["yes"]).click()
    expect(card_of(page, image_id).locator(".badge.state")).to_have_text(ADMIN["en"]["states"]["hidden"])

    card_of(page, image_id).get_by_role("button", name=ADMIN["en"]["history"]).click()
    events = ADMIN["en"]["events"]
    expect(page.locator("#history tbody tr td:nth-child(2)")).to_have_text(
        [events["manual_hide"], events["reset"], events["protected"], events["confirmed"]])
    expect(page.locator("#history-title")).to_have_text(ADMIN["en"]["history_of"].replace("{id}", image_id))
    assert audit_types(admin, quote(image_id, safe="")) == ["manual_hide", "reset", "protected", "confirmed"]
    assert admin.get(f"/images/{quote(image_id, safe='')}").json["state"] == "hidden"
    assert csp_violations(page) == []
