"""Notices of illegal content in the console, in a real Chromium: sent over HTTP, they come first,
ahead of readers' reports, with what they say, where, their category and whether they are complete;
the editor decides with the site's own redress text in view, and the notifier's status by token and
the image follow at once. In Arabic (right to left), French and English."""
from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from service.web.page_texts import ADMIN, NOTICE_TEXTS, PHOTOS
from tests.browser.conftest import csp_violations
from tests.conftest import ADMIN_TOKEN, with_settings
from tests.browser.test_console import card_of, sign_in

REDRESS = "Write to recours@atlas-presse.example within two weeks; you may also go to the courts of Rabat."
LOCATION = "https://www.atlas-presse.example/culture/2026/11/festival-1842?page=2#photo-3"


@pytest.fixture
def settings(settings):
    return with_settings(settings, dsa_redress=REDRESS)


def send_notice(live_server: str, image_ids: list[str], **fields) -> dict:
    body = {"image_ids": image_ids, "category": "illegal_or_harmful_speech",
            "explanation": "This photo shows a banner inciting hatred against migrants.", "location": LOCATION,
            "name": "Salma Notifier", "email": "salma.notifier@example.org", "bona_fide": True,
            "law": "Code pénal, art. 431-5", **fields}
    body = {key: value for key, value in body.items() if value is not None}
    answer = requests.post(f"{live_server}/v1/notices", json=body, headers={"X-Forwarded-For": "198.51.100.77"},
                           timeout=10)
    assert answer.status_code == 202, answer.text
    return answer.json()


def notice_card(page, reference: str):
    return page.locator(f'li.card.notice[data-reference="{reference}"]')


def test_a_notice_comes_first_and_the_editors_hide_decision_reaches_the_notifier_and_the_image(
        reader, reporter, admin, live_server):
    for n in range(3):  # readers' reports wait too: a photo to review, one reported
        reporter.anonymous(PHOTOS["coast"], ip=f"203.0.113.{n}", reason="copyright")
    reporter.anonymous(PHOTOS["kasbah"], reason="spam")
    receipt = send_notice(live_server, [PHOTOS["souk"], PHOTOS["atlas"]])
    page = reader("/admin?lang=en")
    sign_in(page, ADMIN_TOKEN, "en")
    tabs = page.locator(".states button")
    expect(tabs.first).to_have_text("Notices (1)")
    expect(tabs.first).to_have_attribute("aria-pressed", "true")  # the console opens on them
    card = notice_card(page, receipt["reference"])
    expect(page.locator("#list > li").first).to_have_attribute("data-reference", receipt["reference"])
    expect(card.locator("h3")).to_contain_text(f"Notice {receipt['reference']}")
    expect(card.locator(".badge.completeness")).to_have_text("complete")
    expect(card.locator(".category dd")).to_have_text("Illegal or harmful speech")
    expect(card.locator(".location dd a")).to_have_attribute("href", LOCATION)  # the exact location
    expect(card.locator(".location dd")).to_have_text(LOCATION)
    expect(card.locator(".law dd")).to_have_text("Code pénal, art. 431-5")
    expect(card.locator(".completeness dd")).to_have_text("Every required element is there")
    expect(card.locator("blockquote")).to_have_text("This photo shows a banner inciting hatred against migrants.")
    expect(card.locator(".images li")).to_have_text([f"{PHOTOS['souk']} to review", f"{PHOTOS['atlas']} to review"])
    form = card.locator("form.decision")
    expect(form.locator(".redress p")).to_have_text(REDRESS)  # the site's own text, as it will be sent
    assert "Salma" not in card.inner_text() and "salma.notifier" not in card.inner_text()

    # Nothing is sent before every part of the decision is given.
    form.get_by_role("button", name=NOTICE_TEXTS["en"]["send"]).click()
    assert admin.get("/notices").json["notices"][0]["status"] == "received"
    form.get_by_role("radio", name=NOTICE_TEXTS["en"]["hide"]).check()
    form.get_by_role("radio", name=NOTICE_TEXTS["en"]["illegal"]).check()
    form.get_by_label(NOTICE_TEXTS["en"]["your_explanation"]).fill("The banner incites hatred (art. 431-5).")
    form.get_by_role("button", name=NOTICE_TEXTS["en"]["send"]).click()
    expect(page.locator("#status")).to_have_text(f"Notice {receipt['reference']} decided: the images are hidden.")
    expect(page.locator("#list")).to_have_text(NOTICE_TEXTS["en"]["empty"])
    expect(tabs.first).to_have_text("Notices (0)")

    status = requests.get(live_server + receipt["status_url"], timeout=10).json()
    assert status["status"] == "decided"
    assert status["decision"]["action"] == "hidden" and status["decision"]["ground"] == "illegal"
    assert status["decision"]["explanation"] == "The banner incites hatred (art. 431-5)."
    assert status["decision"]["redress"] == REDRESS
    for image_id in (PHOTOS["souk"], PHOTOS["atlas"]):
        assert requests.get(f"{live_server}/v1/images/{image_id}", timeout=10).json()["hidden"] is True
        detail = admin.get(f"/images/{image_id}").json
        assert detail["hidden_by"] == "editor" and detail["statement"]["notice"] == receipt["reference"]
    # The image's own card names the notice and its outcome.
    page.get_by_label(ADMIN["en"]["find"]).fill(PHOTOS["souk"])
    page.get_by_role("button", name=ADMIN["en"]["show"], exact=True).click()
    expect(card_of(page, PHOTOS["souk"]).locator(".notices dd")).to_have_text(
        f"{receipt['reference']} — Illegal or harmful speech, decided, hidden")
    assert csp_violations(page) == []


def test_in_arabic_right_to_left_an_incomplete_notice_is_kept(reader, admin, live_server):
    receipt = send_notice(live_server, [PHOTOS["coast"]], name=None, email=None, bona_fide=None, law=None,
                          category="intellectual_property_infringements",
                          explanation="هذه الصورة منقولة من موقعنا دون إذن.")
    texts = NOTICE_TEXTS["ar"]
    page = reader("/admin?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    sign_in(page, ADMIN_TOKEN, "ar")
    expect(page.locator(".states button").first).to_have_text(f"{texts['tab']} (1)")
    card = notice_card(page, receipt["reference"])
    expect(card.locator(".badge.completeness")).to_have_text(texts["incomplete"])
    expect(card.locator(".completeness dd")).to_have_text(
        "ينقصه: الاسم، البريد الإلكتروني، التصريح بحسن النية")
    expect(card.locator(".category dd")).to_have_text(texts["categories"]["intellectual_property_infringements"])
    assert card.evaluate("node => getComputedStyle(node).direction") == "rtl"
    assert card.locator(".location bdi").get_attribute("dir") == "ltr"  # the address keeps its own order
    assert card.locator("h3 bdi").get_attribute("dir") == "ltr"
    expect(card.locator(".law")).to_have_count(0)
    form = card.locator("form.decision")
    expect(form.locator(".redress p")).to_have_text(REDRESS)
    form.get_by_role("radio", name=texts["keep"]).check()
    form.get_by_role("radio", name=texts["terms"]).check()
    form.get_by_label(texts["your_explanation"]).fill("الصورة من إنتاج مصورنا، ولا تمس أي حق.")
    form.get_by_role("button", name=texts["send"]).click()
    expect(page.locator("#status")).to_have_text(texts["done_keep"].replace("{reference}", receipt["reference"]))
    status = requests.get(live_server + receipt["status_url"], timeout=10).json()
    assert status["decision"]["action"] == "kept" and status["decision"]["ground"] == "terms"
    assert status["decision"]["explanation"] == "الصورة من إنتاج مصورنا، ولا تمس أي حق."
    assert requests.get(f"{live_server}/v1/images/{PHOTOS['coast']}", timeout=10).json()["hidden"] is False
    assert csp_violations(page) == []


def test_in_french_missing_elements_are_named_and_long_queues_page(reader, live_server):
    sent = [send_notice(live_server, [f"photo-{n}"], email=None)["reference"] for n in range(27)]
    texts = NOTICE_TEXTS["fr"]
    page = reader("/admin?lang=fr")
    sign_in(page, ADMIN_TOKEN, "fr")
    cards = page.locator("li.card.notice")
    expect(cards).to_have_count(25)
    expect(cards.first.locator(".completeness dd")).to_have_text("Il manque : l'adresse e-mail")
    expect(cards.first.locator(".category dd")).to_have_text("Discours illicite ou préjudiciable")
    page.get_by_role("button", name=ADMIN["fr"]["more"], exact=True).click()
    expect(cards).to_have_count(27)
    expect(page.get_by_role("button", name=ADMIN["fr"]["more"], exact=True)).to_be_hidden()
    assert cards.evaluate_all("cards => cards.map(card => card.dataset.reference)") == sent  # oldest first
    expect(cards.first.get_by_role("radio", name=texts["hide"])).to_be_visible()
    assert csp_violations(page) == []
