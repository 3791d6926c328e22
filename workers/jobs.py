"""RQ jobs: small module-level functions taking ids, safe to run twice."""
from __future__ import annotations

import logging

from rq import get_current_job

from config import load_settings
from service.store import Store

log = logging.getLogger(__name__)


def _store() -> Store:
    # The worker's own connection and environment; cheap enough to build per job.
    settings = load_settings()
    return Store(get_current_job().connection, settings.threshold, settings.audit_max_events)


def hide_image(image_id: str, generation: str) -> bool:
    """Hide an image whose reports crossed the threshold at `generation`; True if this call hid it."""
    hidden = _store().hide_if_current(image_id, generation)
    log.info("hide %s generation %s: %s", image_id, generation, "hidden" if hidden else "nothing to do")
    return hidden
