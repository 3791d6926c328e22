"""A reader who already reported an image sees that instead of a form; a rate-limited reader a calm message."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from service.web.messages import THANKS
from service.web.page_texts import PHOTOS, REASONS
from tests.conftest import with_settings

ALREADY = {"ar": "سبق أن أبلغت عن هذه الصورة. شكرا لك.", "en": "You have already reported this image. Thank you."}
LIMITED = {"ar": "أرسلت عدة إبلاغات في وقت قصير. يمكنك الإبلاغ عن صور أخرى لاحقا.",
           "fr": "Vous avez envoyé plusieurs signalements en peu de temps. Vous pourrez signaler d'autres images plus tard.",
           "en": "You have sent several reports in a short time. You can report other images later."}


@pytest.fixture
def settings(settings):
    return with_settings(settings, report_rate_limit="2/minute")


def figure(page, name: str):
    return page.locator("figure", has=page.locator(f'img[data-image-id="{PHOTOS[name]}"]'))


def send_report(page, name: str, lang: str = "ar") -> None:
    figure(page, name).locator(".imgmod-report").click()
    dialog = page.locator("dialog.imgmod-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label(REASONS[lang]["other"], exact=True).check()
    dialog.locator(".imgmod-send").click()
    expect(dialog).to_be_hidden()


def test_a_reported_image_says_so_instead_of_asking_again(reader, admin, live_server):
    page = reader("/demo?lang=en")
    send_report(page, "kasbah", "en")
    status = figure(page, "kasbah").locator(".imgmod-status")
    expect(status).to_have_text(THANKS["en"])
    button = figure(page, "kasbah").locator(".imgmod-report")
    expect(button).to_have_text("\u2713 Reported")

    page.reload()  # the same reader later: the browser remembers, per image
    button = figure(page, "kasbah").locator(".imgmod-report")
    expect(button).to_have_text("\u2713 Reported")
    expect(button).to_have_accessible_name(f"Reported: {page.locator('img').first.get_attribute('alt')}")
    expect(figure(page, "souk").locator(".imgmod-report")).to_have_text("\u2691 Report")
    button.click()
    expect(figure(page, "kasbah").locator(".imgmod-status")).to_have_text(ALREADY["en"])
    expect(page.locator("dialog.imgmod-dialog")).to_have_count(0)  # no form was even built
    assert admin.get(f"/images/{PHOTOS['kasbah']}").json["report_count"] == 1
    assert page.evaluate(f"() => localStorage.getItem('imgmod:reported:{PHOTOS['kasbah']}') !== null")


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_a_rate_limited_reader_gets_a_calm_message(reader, admin, lang):
    page = reader(f"/demo?lang={lang}", address=f"198.51.100.{40 + len(lang) + ord(lang[0])}")
    send_report(page, "kasbah", lang)
    send_report(page, "souk", lang)
    expect(figure(page, "souk").locator(".imgmod-status")).to_have_text(THANKS[lang])
    send_report(page, "coast", lang)  # the third in a minute: 429
    status = figure(page, "coast").locator(".imgmod-status")
    expect(status).to_have_text(LIMITED[lang])
    expect(status).to_have_class("imgmod-status")  # not shown as an error to retry
    expect(figure(page, "coast").locator(".imgmod-report")).not_to_contain_text("\u2713")  # not remembered
    assert admin.get(f"/images/{PHOTOS['coast']}").json["report_count"] == 0
