"""What readers and editors do to an image, with its follow-up jobs; the API and the CLI both call this."""
from __future__ import annotations

from typing import Sequence

from service.core import followups
from service.core.queue import enqueue_hide, enqueue_match
from service.core.services import Services
from service.core.store import Once


def report(services: Services, image_id: str, reporter: str, reason: str, image_url: str | None,
           limit_key: str | None = None, comment: str = "", weight: float = 1.0, record: str | None = None,
           article_url: str | None = None):
    outcome = services.store.report(image_id, reporter, reason, image_url, limit_key, comment, weight, record,
                                    article_url)
    if outcome.crossed:
        enqueue_hide(services.hides, image_id, outcome.generation)
    followups.dispatch(services, outcome.event)  # a review request's webhook
    return outcome


# Each editor's action takes `once` (an Idempotency-Key's record): done at most once for it, else
# store.Repeated is raised and nothing is done; and `if_match` (the ETags the editor holds): done only
# while the image has one of them, else store.Changed is raised and nothing is done.

def reset(services: Services, image_id: str, actor: str, forget_reporters: bool = False, note: str = "",
          verdict: str = "disagree", once: Once | None = None, if_match: Sequence[str] | None = None) -> dict:
    outcome = services.store.reset(image_id, actor, forget_reporters=forget_reporters, note=note, verdict=verdict,
                                   once=once, if_match=if_match)
    followups.dispatch(services, outcome.event)
    for event in outcome.restored:  # copies hidden only through this source, restored with it
        followups.dispatch(services, event)
    for copy, generation in outcome.crossings:  # a restored copy whose own reports had crossed
        enqueue_hide(services.hides, copy, generation)
    if outcome.known_fine and services.settings.match_distance is not None:
        enqueue_match(services.hides, [image_id])  # marks the registered images near the fine photo
    return services.store.status(image_id)


def confirm(services: Services, image_id: str, actor: str, note: str = "", once: Once | None = None,
            if_match: Sequence[str] | None = None) -> dict:
    followups.dispatch(services, services.store.confirm(image_id, actor, note, once=once, if_match=if_match))
    return services.store.status(image_id)


def hide(services: Services, image_id: str, actor: str, once: Once | None = None,
         if_match: Sequence[str] | None = None) -> dict:
    followups.dispatch(services, services.store.hide_now(image_id, actor, once=once, if_match=if_match))
    return services.store.status(image_id)


def set_protection(services: Services, image_id: str, protected: bool, actor: str, once: Once | None = None,
                   if_match: Sequence[str] | None = None) -> dict:
    outcome = services.store.set_protection(image_id, protected, actor, once=once, if_match=if_match)
    if outcome.crossed:
        enqueue_hide(services.hides, image_id, outcome.generation)
    followups.dispatch(services, outcome.event)  # a review request lifting protection caused
    return services.store.status(image_id)
