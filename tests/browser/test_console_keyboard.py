"""The console by keyboard alone: a queue cleared with two keys per photo, and the `?` help."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from service.web.page_texts import ADMIN, KEYBOARD
from tests.conftest import ADMIN_TOKEN

ITEMS = 100


def test_a_queue_of_a_hundred_is_cleared_by_keyboard_with_two_keys_each(reader, reporter, admin):
    ids = [f"kbd-{n:03d}" for n in range(ITEMS)]
    for image_id in ids:
        for n in range(3):  # a review reason: each waits for an editor
            reporter.anonymous(image_id, ip=f"203.0.113.{n}", reason="copyright")
    page = reader("/admin?lang=en")
    page.get_by_role("textbox", name=ADMIN["en"]["token"]).fill(ADMIN_TOKEN)
    page.get_by_role("button", name=ADMIN["en"]["sign_in"]).click()
    cards = page.locator("li.card")
    expect(cards).to_have_count(25)  # a page of the queue
    page.locator("body").focus()
    presses = 0
    for done in range(ITEMS):
        verdict = "c" if done % 2 == 0 else "r"  # the reports are right / the photo is fine, alternately
        page.keyboard.press(verdict)
        judged = page.locator("li.card.current").get_attribute("data-image-id")
        page.keyboard.press("Enter")
        presses += 2
        # As an editor would: the next key once the photo judged has left the queue.
        expect(page.locator(f'li.card[data-image-id="{judged}"]')).to_have_count(0)
    expect(page.get_by_role("button", name="To review")).to_contain_text("(0)")
    assert presses == 2 * ITEMS
    expect(page.locator("li.empty")).to_have_text(ADMIN["en"]["empty"])
    states = {image_id: admin.get(f"/images/{image_id}").json for image_id in ids}
    assert sorted(state["hidden"] for state in states.values()) == [False] * 50 + [True] * 50
    assert all(state["state"] in ("hidden", "visible") for state in states.values())
    events = admin.get(f"/audit?limit={3 * ITEMS}").json["events"]
    verdicts = sorted(event["type"] for event in events if event["type"] != "review")  # a review request each
    assert verdicts == ["confirmed"] * 50 + ["reset"] * 50


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_keys_move_show_and_are_listed_by_question_mark(reader, reporter, live_server, lang):
    for name in ("kbd-a", "kbd-b"):
        for n in range(3):
            reporter.anonymous(name, ip=f"203.0.113.{n}", reason="copyright",
                               image_url=f"{live_server}/demo/images/souk.jpg")
    page = reader(f"/admin?lang={lang}")
    page.get_by_role("textbox", name=ADMIN[lang]["token"]).fill(ADMIN_TOKEN)
    page.get_by_role("button", name=ADMIN[lang]["sign_in"]).click()
    expect(page.locator("li.card")).to_have_count(2)
    page.locator("body").focus()
    page.keyboard.press("j")
    page.keyboard.press("j")
    current = page.locator("li.card.current")
    expect(current).to_have_count(1)
    second = current.get_attribute("data-image-id")
    page.keyboard.press("v")
    expect(current.get_by_role("button", name=ADMIN[lang]["blur"])).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("k")
    assert page.locator("li.card.current").get_attribute("data-image-id") != second
    page.keyboard.press("?")
    help_box = page.get_by_role("dialog", name=KEYBOARD[lang]["title"])
    expect(help_box).to_be_visible()
    expect(help_box.locator("dd")).to_have_text([text for _, text in KEYBOARD[lang]["keys"]])
    page.keyboard.press("Escape")
    expect(help_box).to_be_hidden()
    # Typing in a field is typing, not a shortcut.
    page.get_by_label(ADMIN[lang]["find"]).fill("")
    page.get_by_label(ADMIN[lang]["find"]).press("c")
    expect(page.locator("#ask")).to_be_hidden()
