"""The widget on the demo article, in a real Chromium: reporting, placeholders, languages, keyboard, CORS."""
from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

from playwright.sync_api import expect

from service.web.messages import THANKS
from service.web.page_texts import PHOTOS, REASONS
from tests.browser.conftest import csp_violations, img
from tests.browser.test_real_pages import SETTLED, expect_hidden, expect_shown

SOUK = PHOTOS["souk"]
HIDDEN_TEXT = "حُجبت هذه الصورة بعد إبلاغات القراء"


def figure(page, name: str):
    return page.locator("figure", has=page.locator(f'img[data-image-id="{PHOTOS[name]}"]'))


def report(page, name: str, reason_label: str) -> None:
    figure(page, name).locator(".imgmod-report").click()
    dialog = page.locator("dialog.imgmod-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label(reason_label, exact=True).check()
    dialog.locator(".imgmod-send").click()
    expect(dialog).to_be_hidden()


def lookups(page) -> list[str]:
    return [url for url in page.requested if urlsplit(url).path == "/v1/images"]


def test_report_from_the_arabic_demo_shows_the_arabic_thanks(reader, admin):
    page = reader("/demo")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    buttons = page.locator(".imgmod-report")
    expect(buttons).to_have_count(len(PHOTOS))
    expect(buttons.first).to_contain_text("إبلاغ")
    report(page, "souk", REASONS["ar"]["violence"])
    status = figure(page, "souk").locator(".imgmod-status")
    expect(status).to_have_text(THANKS["ar"])
    expect(status).to_have_attribute("aria-live", "polite")
    expect(status).to_have_attribute("dir", "rtl")
    expect(page.locator(".imgmod-bar").first).to_have_attribute("dir", "rtl")
    detail = admin.get(f"/images/{SOUK}").json
    assert (detail["report_count"], detail["reasons"]) == (1, {"violence": 1})
    # One bulk lookup for every photo of the article, and no CSP complaint about anything.
    [lookup] = lookups(page)
    assert parse_qs(urlsplit(lookup).query)["id"] == list(PHOTOS.values())
    assert csp_violations(page) == []


def test_three_readers_hide_the_photo_and_its_bytes_are_never_fetched(reader, workers, live_server):
    for n in range(1, 4):
        page = reader("/demo", address=f"198.51.100.{n}")
        report(page, "souk", REASONS["ar"]["hate"])
        expect(figure(page, "souk").locator(".imgmod-status")).to_have_text(THANKS["ar"])
        page.context.close()
    workers.burst()

    page = reader("/demo", address="198.51.100.9")  # a later reader, with a cold cache
    souk = figure(page, "souk")
    expect(souk.locator(".imgmod-overlay")).to_have_text(HIDDEN_TEXT)
    image = souk.locator("img").first
    expect(image).to_have_attribute("src", f"{live_server}/v1/images/{SOUK}/placeholder")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    expect(souk.locator(".imgmod-report")).to_have_count(0)
    expect(page.locator(".imgmod-report")).to_have_count(len(PHOTOS) - 1)
    assert f"{live_server}/v1/images/{SOUK}/placeholder" in page.requested
    assert f"{live_server}/demo/images/kasbah.jpg" in page.requested  # the watch does see photos load
    assert not [url for url in page.requested if "souk.jpg" in url], page.requested
    assert len(lookups(page)) == 1
    assert csp_violations(page) == []


def test_french_page_speaks_french(reader, admin):
    page = reader("/demo?lang=fr")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("h1")).to_contain_text("festival du patrimoine")
    button = figure(page, "kasbah").locator(".imgmod-report")
    expect(button).to_contain_text("Signaler")
    button.click()
    dialog = page.locator("dialog.imgmod-dialog")
    expect(dialog.locator("h2")).to_have_text("Pourquoi signalez-vous cette image ?")
    expect(dialog.locator("fieldset label")).to_have_text(list(REASONS["fr"].values()))
    dialog.get_by_label(REASONS["fr"]["copyright"]).check()
    dialog.get_by_role("button", name="Envoyer").click()
    status = figure(page, "kasbah").locator(".imgmod-status")
    expect(status).to_have_text(THANKS["fr"])
    expect(status).to_have_attribute("dir", "ltr")
    assert admin.get(f"/images/{PHOTOS['kasbah']}").json["reasons"] == {"copyright": 1}


def test_english_page_speaks_english(reader):
    page = reader("/demo?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    figure(page, "coast").locator(".imgmod-report").click()
    expect(page.locator("dialog.imgmod-dialog fieldset label")).to_have_text(list(REASONS["en"].values()))
    page.get_by_label("Spam", exact=True).check()
    page.get_by_role("button", name="Send").click()
    expect(figure(page, "coast").locator(".imgmod-status")).to_have_text(THANKS["en"])


# The focused element, inside the widget's shadow roots too.
FOCUSED = """() => { let e = document.activeElement;
  while (e && e.shadowRoot && e.shadowRoot.activeElement) e = e.shadowRoot.activeElement; return e; }"""


def focused(page, expression: str):
    return page.evaluate(f"() => {{ const e = ({FOCUSED})(); return e && {expression}; }}")


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the focus is on the first element matching `selector` (shadow roots pierced)."""
    target = page.locator(selector).first.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"t => ({FOCUSED})() === t", target):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def test_keyboard_only_reporting(reader, admin):
    page = reader("/demo")
    expect(page.locator(".imgmod-report")).to_have_count(len(PHOTOS))
    dialog = page.locator("dialog.imgmod-dialog")
    tab_to(page, ".imgmod-report")

    # Escape closes the dialog without reporting and gives the focus back.
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert focused(page, "e.classList.contains('imgmod-report')")
    assert admin.get(f"/images/{PHOTOS['kasbah']}").json["report_count"] == 0

    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    assert focused(page, "e.name") == "imgmod-reason"  # focus moved into the dialog
    page.keyboard.press("ArrowDown")  # from the first reason to the second, which selects it
    page.keyboard.press("Tab")
    assert focused(page, "e.id") == "imgmod-text"  # the optional comment, then the button
    page.keyboard.press("Tab")
    assert focused(page, "e.className") == "imgmod-send"
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(figure(page, "kasbah").locator(".imgmod-status")).to_have_text(THANKS["ar"])
    assert focused(page, "e.classList.contains('imgmod-report')")
    assert admin.get(f"/images/{PHOTOS['kasbah']}").json["reasons"] == {"violence": 1}


def test_sending_without_a_reason_is_not_possible(reader, admin):
    page = reader("/demo")
    figure(page, "atlas").locator(".imgmod-report").click()
    page.locator(".imgmod-send").click()
    expect(page.locator("dialog.imgmod-dialog")).to_be_visible()  # the form asks for a reason first
    assert admin.get(f"/images/{PHOTOS['atlas']}").json["report_count"] == 0


def test_widget_on_an_allowed_news_site_reports_across_origins(reader, news_site, live_server, admin):
    news_site.api = live_server
    page = reader(news_site.allowed_origin + "/article", address=None)
    photo = page.locator('img[data-image-id="site-1.photo"]')
    expect(photo).to_have_attribute("src", f"{live_server}/demo/images/coast.jpg")
    page.locator(".imgmod-report").click()
    page.get_by_label(REASONS["ar"]["misleading"]).check()
    page.locator(".imgmod-send").click()
    expect(page.locator(".imgmod-status")).to_have_text(THANKS["ar"])
    assert admin.get("/images/site-1.photo").json["reasons"] == {"misleading": 1}


def test_widget_on_a_refused_origin_cannot_report_but_keeps_the_photos(reader, news_site, live_server, admin):
    news_site.api = live_server
    page = reader(news_site.refused_origin + "/article", address=None)
    # The lookup is refused by the browser: the widget fails open and shows the photo.
    expect(page.locator('img[data-image-id="site-1.photo"]')).to_have_attribute(
        "src", f"{live_server}/demo/images/coast.jpg")
    page.locator(".imgmod-report").click()
    page.get_by_label(REASONS["ar"]["other"]).check()
    page.locator(".imgmod-send").click()
    status = page.locator(".imgmod-status")
    expect(status).to_have_text("تعذر إرسال الإبلاغ. حاول مرة أخرى بعد قليل.")
    expect(status).to_have_class("imgmod-status imgmod-error")
    assert admin.get("/images/site-1.photo").json["report_count"] == 0


# Ids a plain object or a URL path would trip on: Object.prototype's names, '/' before a route word, Arabic.
ODD_IDS = {"constructor": "visible", "toString": "hidden", "a/b/hide": "hidden", "صورة-1": "visible",
           "x/reset": "visible", "valueOf": "hidden"}


def test_ids_named_like_object_properties_or_routes_are_looked_up_hidden_and_reported(reader, site, admin,
                                                                                       live_server):
    for image_id, state in ODD_IDS.items():
        if state == "hidden":
            assert admin.post(f"/images/{quote(image_id, safe='')}/hide").json["hidden"] is True
    photos = {image_id: f"/photos/odd-{n}.jpg" for n, image_id in enumerate(ODD_IDS)}
    site.pages["/odd"] = site.article("".join(img(image_id, photos[image_id]) for image_id in ODD_IDS)
                                      + img("__proto__", "/photos/proto.jpg"))
    page = reader(site.url("/odd"), address=None)
    page.wait_for_function(SETTLED)
    states = page.eval_on_selector_all("img[data-image-id]", "all => all.map(i => [i.dataset.imageId, i.dataset.imgmod])")
    assert states == [[image_id, state] for image_id, state in ODD_IDS.items()] + [["__proto__", "refused"]]
    for image_id, state in ODD_IDS.items():
        if state == "hidden":
            expect_hidden(page, image_id, live_server)  # its placeholder, '/' sent as %2F, loaded
        else:
            expect_shown(page, image_id, photos[image_id])
    expect_shown(page, "__proto__", "/photos/proto.jpg")  # not an id: shown, without a lookup
    [lookup] = lookups(page)
    assert parse_qs(urlsplit(lookup).query)["id"] == list(ODD_IDS)
    for image_id in ("constructor", "x/reset"):
        control = page.locator(f'img[data-image-id="{image_id}"] + .imgmod-control')
        control.locator(".imgmod-report").click()
        page.locator("dialog.imgmod-dialog").get_by_label(REASONS["ar"]["spam"], exact=True).check()
        page.locator("dialog.imgmod-dialog .imgmod-send").click()
        expect(control.locator(".imgmod-status")).to_have_text(THANKS["ar"])
        assert admin.get(f"/images/{quote(image_id, safe='')}").json["reasons"] == {"spam": 1}
    assert csp_violations(page) == []
