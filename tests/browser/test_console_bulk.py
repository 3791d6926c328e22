"""Several photos, one confirmation: the queue's boxes and the bar's two verdicts, each sent with its ETag."""
from __future__ import annotations

from playwright.sync_api import expect

from service.web.page_texts import ADMIN, QUEUE_SHARED
from tests.conftest import ADMIN_TOKEN

WORDS = QUEUE_SHARED["en"]


def test_selected_photos_are_restored_with_one_confirmation_and_a_changed_one_is_left_alone(reader, reporter, admin):
    ids = ["bulk-1", "bulk-2", "bulk-3"]
    for image_id in ids:
        for n in range(3):
            reporter.anonymous(image_id, ip=f"203.0.113.{n}", reason="copyright")
    page = reader("/admin?lang=en")
    page.get_by_role("textbox", name=ADMIN["en"]["token"]).fill(ADMIN_TOKEN)
    page.get_by_role("button", name=ADMIN["en"]["sign_in"]).click()
    expect(page.locator("li.card")).to_have_count(3)
    bar = page.locator(".bulk")
    expect(bar).to_be_hidden()
    for image_id in ("bulk-1", "bulk-2"):
        page.locator(f'li.card[data-image-id="{image_id}"]').get_by_label(WORDS["select"]).check()
    expect(bar.locator(".count")).to_have_text(WORDS["selected"].format(n=2))
    admin.post("/images/bulk-2/confirm", json={})  # another editor, meanwhile
    bar.get_by_role("button", name=WORDS["restore"]).click()
    expect(page.locator("#ask-title")).to_have_text(WORDS["ask"]["restore"].format(n=2))
    page.locator("#ask-yes").click()
    expect(page.locator("#status")).to_have_text(WORDS["result"].format(done=1, changed=1, failed=0))
    states = {image_id: admin.get(f"/images/{image_id}").json["state"] for image_id in ids}
    assert states == {"bulk-1": "visible", "bulk-2": "hidden", "bulk-3": "review"}
    expect(bar).to_be_hidden()
    expect(page.locator("li.card")).to_have_count(1)  # what is left to review
