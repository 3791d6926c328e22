"""The widget's report dialog: an optional comment, counted in the page's language, sent with the article's address."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from service.web.page_texts import PHOTOS, REASONS

LABEL = {"ar": "تعليق (اختياري)", "fr": "Commentaire (facultatif)", "en": "Comment (optional)"}
LEFT = {"ar": "الأحرف المتبقية: {n}", "fr": "Caractères restants : {n}", "en": "Characters left: {n}"}


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_a_reader_adds_a_comment_counted_and_the_editors_read_it_with_the_article(reader, admin, live_server, lang):
    page = reader(f"/demo?lang={lang}")
    figure = page.locator("figure", has=page.locator(f'img[data-image-id="{PHOTOS["kasbah"]}"]'))
    figure.locator(".imgmod-report").click()
    dialog = page.locator("dialog.imgmod-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label(REASONS[lang]["violence"], exact=True).check()
    text = dialog.get_by_label(LABEL[lang])
    left = dialog.locator(".imgmod-left")
    expect(left).to_have_text(LEFT[lang].format(n="500"))
    comment = "صورة عنيفة لا تناسب الأطفال" if lang == "ar" else "Une image violente" if lang == "fr" else "Violent"
    text.fill(comment)
    expect(left).to_have_text(LEFT[lang].format(n=str(500 - len(comment))))
    text.fill("x" * 600)  # the field stops at the API's limit
    assert len(text.input_value()) == 500
    expect(left).to_have_text(LEFT[lang].format(n="0"))
    text.fill(comment)
    dialog.locator(".imgmod-send").click()
    expect(figure.locator(".imgmod-status")).not_to_have_text("")
    detail = admin.get(f"/images/{PHOTOS['kasbah']}").json
    assert [c["text"] for c in detail["comments"]] == [comment]
    assert (detail["article_url"], detail["article_by"]) == (f"{live_server}/demo", "reader")
    # The next report starts with an empty comment.
    figure = page.locator("figure", has=page.locator(f'img[data-image-id="{PHOTOS["souk"]}"]'))
    figure.locator(".imgmod-report").click()
    expect(dialog.get_by_label(LABEL[lang])).to_have_value("")
    expect(left).to_have_text(LEFT[lang].format(n="500"))
