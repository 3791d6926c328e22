"""The notice.decided webhook: built when it is delivered, and the notifier's data erased once it is."""
from __future__ import annotations

from service.core import notices
from service.core.notice_store import notices_of
from workers.jobs import _current, deliver_counted


def deliver_notice_decision(reference: str) -> int:
    """POST the decision of one notice to the site; RQ retries on failure (the same body, since the
    notifier's data is erased only after a 2xx). The job holds the reference only, never the notifier's
    name or e-mail, so RQ's registries (a failed job is kept a year) keep nothing personal."""
    services = _current()
    settings = services.settings
    body = notices.webhook_body(services, reference)
    if not settings.webhook_url or body is None:
        return 0
    status = deliver_counted(services, body)
    notices_of(services).erase_notifier(reference)  # delivered to the site: no longer ours to keep
    return status
