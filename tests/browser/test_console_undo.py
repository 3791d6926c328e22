"""Undo of the last verdict, for a few seconds: a confirm undone leaves the reporters' records as if it
had never been; a restore undone hides the photo again; the offer ends with its window; bulk verdicts too."""
from __future__ import annotations

from playwright.sync_api import expect

from service.core import identity
from service.web.page_texts import ADMIN, KEYBOARD, QUEUE_SHARED, UNDO, UNDO_SECONDS
from tests.conftest import ADMIN_TOKEN

WORDS = UNDO["en"]
ACCOUNTS = ["acct-1", "acct-2", "acct-3"]


def records(services) -> list[tuple[int, int]]:
    """Each site account's (agreed, disagreed) verdicts."""
    return [services.store.record(identity.record_key(services.settings.secret_key, f"fe:site:{account}"))
            for account in ACCOUNTS]


def by_accounts(reporter, image_id: str, reason: str = "copyright") -> None:
    for account in ACCOUNTS:
        assert reporter.frontend(image_id, account, reason=reason).json["counted"]


def console(reader, lang: str = "en", window: float | None = None):
    before = None if window is None else (lambda page: page.add_init_script(f"window.imgmodUndoSeconds = {window};"))
    page = reader(f"/admin?lang={lang}", before=before)
    page.get_by_role("textbox", name=ADMIN[lang]["token"]).fill(ADMIN_TOKEN)
    page.get_by_role("button", name=ADMIN[lang]["sign_in"]).click()
    return page


def verdict(page, image_id: str, kind: str, choice: str = "yes", lang: str = "en") -> None:
    page.locator(f'li.card[data-image-id="{image_id}"]').get_by_role("button", name=ADMIN[lang][kind]).click()
    page.get_by_role("dialog").get_by_role("button", name=ADMIN[lang]["ask"][kind][choice]).click()


def test_the_window_is_a_few_seconds_and_listed_in_the_keys_help():
    assert 5 <= UNDO_SECONDS <= 15
    assert all(any(key == "u" and "Ctrl+Z" in text for key, text in KEYBOARD[lang]["keys"]) for lang in KEYBOARD)


def test_a_confirm_undone_shows_the_photo_again_and_teaches_the_reporters_nothing(reader, reporter, admin, services):
    by_accounts(reporter, "undo-1")
    assert admin.get("/images/undo-1").json["state"] == "review"
    before = records(services)
    page = console(reader)
    verdict(page, "undo-1", "confirm")
    bar = page.locator(".undo")
    expect(bar.locator(".what")).to_have_text(ADMIN["en"]["done"]["confirm"].format(id="undo-1"))
    assert admin.get("/images/undo-1").json["state"] == "hidden"
    assert records(services) == [(1, 0)] * 3  # the confirm taught them
    bar.get_by_role("button", name=WORDS["undo"]).click()
    expect(page.locator("#status")).to_have_text(WORDS["undone_confirm"].format(id="undo-1"))
    expect(bar).to_be_hidden()
    image = admin.get("/images/undo-1").json
    assert (image["state"], image["hidden"], image["restored_until"]) == ("visible", False, None)
    assert records(services) == before == [(0, 0)] * 3  # as if the confirm had never been
    event = admin.get("/audit?image_id=undo-1").json["events"][0]
    assert (event["type"], event["detail"]["verdict"], event["detail"]["forget_reporters"]) == ("reset", "ignore",
                                                                                               False)
    expect(page.get_by_role("button", name=ADMIN["en"]["tabs"]["review"])).to_contain_text("(0)")


def test_a_restore_undone_by_key_hides_the_photo_again_and_says_what_stays(reader, reporter, admin, services):
    by_accounts(reporter, "undo-2")
    page = console(reader)
    verdict(page, "undo-2", "restore")  # the reports were wrong: each account loses trust
    done = ADMIN["en"]["done"]["restore"].format(id="undo-2")
    expect(page.locator("#status")).to_have_text(done)
    # Said before the editor undoes: what the restore taught stays, and the photo is not queued again.
    expect(page.locator(".undo .what")).to_have_text(" ".join((done, WORDS["restore_kept"], WORDS["restore_unqueued"])))
    assert admin.get("/images/undo-2").json["restored_until"] is not None
    page.locator("body").focus()
    page.keyboard.press("Control+z")
    expect(page.locator("#status")).to_have_text(WORDS["undone_restore"].format(id="undo-2"))
    image = admin.get("/images/undo-2").json
    assert (image["state"], image["hidden_by"], image["restored_until"]) == ("hidden", "editor", None)
    assert records(services) == [(0, 1)] * 3  # what the restore taught stays, as its bar said

    for n in range(3):  # readers this time (the accounts, overturned together, now weigh as one)
        reporter.anonymous("undo-3", ip=f"203.0.113.{n}", reason="copyright")
    page.get_by_role("button", name=ADMIN["en"]["refresh"]).click()
    verdict(page, "undo-3", "restore", choice="ignore")  # restored without judging anyone: nothing to keep
    expect(page.locator("#status")).to_have_text(ADMIN["en"]["done"]["restore"].format(id="undo-3"))
    expect(page.locator(".undo .what")).to_have_text(
        ADMIN["en"]["done"]["restore"].format(id="undo-3") + " " + WORDS["restore_unqueued"])
    page.locator("body").focus()
    page.keyboard.press("u")
    expect(page.locator("#status")).to_have_text(WORDS["undone_restore"].format(id="undo-3"))
    assert admin.get("/images/undo-3").json["state"] == "hidden"
    assert records(services) == [(0, 1)] * 3
    page.keyboard.press("u")  # undone once: nothing left to undo
    expect(page.locator("#status")).to_have_text(WORDS["nothing"])


def test_the_offer_ends_with_its_window(reader, reporter, admin):
    by_accounts(reporter, "undo-4")
    page = console(reader, window=3)
    verdict(page, "undo-4", "confirm")
    bar = page.locator(".undo")
    expect(bar).to_be_visible()
    expect(bar).to_be_hidden(timeout=15_000)  # the window passed
    page.locator("body").focus()
    page.keyboard.press("u")
    expect(page.locator("#status")).to_have_text(WORDS["nothing"])
    assert admin.get("/images/undo-4").json["state"] == "hidden"


def test_a_confirm_of_a_photo_already_hidden_offers_no_undo(reader, reporter, admin):
    by_accounts(reporter, "undo-5")
    admin.post("/images/undo-5/hide")
    page = console(reader)
    page.get_by_role("button", name=ADMIN["en"]["tabs"]["hidden"]).click()
    verdict(page, "undo-5", "confirm")
    expect(page.locator("#status")).to_have_text(
        ADMIN["en"]["done"]["confirm"].format(id="undo-5") + " " + WORDS["not_undoable"])
    expect(page.locator(".undo")).to_be_hidden()


def test_a_bulk_confirm_is_undone_at_once_and_one_changed_meanwhile_is_left_alone(reader, reporter, admin, services):
    ids = ["undo-b1", "undo-b2", "undo-b3"]
    for image_id in ids:
        by_accounts(reporter, image_id)
    page = console(reader)
    expect(page.locator("li.card")).to_have_count(3)
    shared = QUEUE_SHARED["en"]
    for image_id in ids[:2]:
        page.locator(f'li.card[data-image-id="{image_id}"]').get_by_label(shared["select"]).check()
    page.locator(".bulk").get_by_role("button", name=shared["confirm"]).click()
    page.locator("#ask-yes").click()
    bar = page.locator(".undo")
    expect(bar.locator(".what")).to_have_text(shared["result"].format(done=2, changed=0, failed=0))
    assert records(services) == [(2, 0)] * 3
    assert admin.put("/images/undo-b2/protection", json={"protected": True}).status_code == 200  # another editor
    bar.get_by_role("button", name=WORDS["undo"]).click()
    expect(page.locator("#status")).to_have_text(WORDS["bulk_undone"].format(done=1, changed=1, failed=0))
    states = {image_id: admin.get(f"/images/{image_id}").json["state"] for image_id in ids}
    assert states == {"undo-b1": "visible", "undo-b2": "hidden", "undo-b3": "review"}
    assert records(services) == [(1, 0)] * 3  # undo-b1's confirm taken back, undo-b2's kept
