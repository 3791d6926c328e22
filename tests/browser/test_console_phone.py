"""The console on a phone (390 × 844): no horizontal scrolling, photos and buttons within a thumb's reach."""
from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from service.web.page_texts import ADMIN, PHOTOS
from tests.conftest import ADMIN_TOKEN

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_the_console_fits_a_phone_without_horizontal_scrolling(new_context, live_server, reporter, lang):
    for name in ("atlas", "souk"):
        for n in range(3):
            reporter.anonymous(PHOTOS[name], ip=f"203.0.113.{n}", reason="violence",
                               image_url=f"{live_server}/demo/images/{name}.jpg",
                               comment="تعليق طويل جدا " * 8, article_url="https://www.example.ma/" + "a" * 120)
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server}/admin?lang={lang}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("textbox", name=ADMIN[lang]["token"]).fill(ADMIN_TOKEN)
    page.get_by_role("button", name=ADMIN[lang]["sign_in"]).click()
    card = page.locator(f'li.card[data-image-id="{PHOTOS["atlas"]}"]')
    expect(card).to_be_visible()
    if os.environ.get("IMGMOD_SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['IMGMOD_SCREENSHOTS']}/phone-before-{lang}.png", full_page=True)
    card.get_by_role("button", name=ADMIN[lang]["history"]).click()
    expect(page.locator("#history")).to_be_visible()
    if os.environ.get("IMGMOD_SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['IMGMOD_SCREENSHOTS']}/phone-{lang}.png", full_page=True)
    widths = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth]")
    assert max(widths) <= PHONE["width"], widths
    # Every button is whole on screen and big enough for a thumb (44 px is the usual guideline; 40 here).
    for box in page.locator("li.card button").evaluate_all(
            "nodes => nodes.map(n => n.getBoundingClientRect()).map(r => [r.left, r.right, r.height])"):
        assert box[0] >= 0 and box[1] <= PHONE["width"] and box[2] >= 40, box
    photo = card.locator(".frame")
    assert photo.bounding_box()["width"] >= 300  # the photo takes the phone's width


def test_an_arabic_id_reads_in_the_pages_font_right_to_left_a_latin_one_stays_code(reader, reporter):
    arabic, latin = "صورة-رئيسية-1842", "news/2024/05/hero.jpg"
    for image_id in (arabic, latin):
        reporter.anonymous(image_id)
    page = reader("/admin?lang=ar")
    page.get_by_role("textbox", name=ADMIN["ar"]["token"]).fill(ADMIN_TOKEN)
    page.get_by_role("button", name=ADMIN["ar"]["sign_in"]).click()
    page.get_by_role("button", name=ADMIN["ar"]["tabs"]["reported"]).click()
    code = page.locator(f'li.card[data-image-id="{arabic}"] h3 code')
    expect(code).to_have_text(arabic)
    assert "monospace" not in code.evaluate("node => getComputedStyle(node).fontFamily")
    assert code.evaluate("node => getComputedStyle(node).direction") == "rtl"
    other = page.locator(f'li.card[data-image-id="{latin}"] h3 code')
    assert "monospace" in other.evaluate("node => getComputedStyle(node).fontFamily")
    assert other.evaluate("node => getComputedStyle(node).direction") == "ltr"
