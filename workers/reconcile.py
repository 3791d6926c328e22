"""The reconciler: no crossing is lost, whatever happened to its hide job.

A crossing is pending until its job hides it. If the job is lost (queue flushed, worker killed
mid-job, Redis failover losing the list) the image stays pending; after the grace period some
worker enqueues its hide again. The hide is idempotent (generation check, ZREM of pending), so a
copy that races the original does nothing. The cost of a pass is the number of overdue pending
images, never the number of visible ones. The same pass queues follow-ups (placeholder, webhook)
that a dying process left in the outbox, and sweeps a bounded slice of the reported index for
images that never crossed and fell silent for IMGMOD_REPORT_TTL_DAYS (service/core/scripts/prune.lua),
and a slice of the registrations for hashes older than IMGMOD_MATCH_RETENTION_DAYS
(service/core/scripts/prune_hashes.lua), then trims the log of hashed ids that workers read. It also
does the follow-ups of editors' decisions on notices that a dying process left undone (the hides of
a "hide", the notice.decided webhook: service/core/notices.py, repair).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from service.core import followups, notices
from service.core.queue import enqueue_hide
from service.core.services import Services
from service.core.stats import record_requeued

log = logging.getLogger(__name__)

PRUNE_BUDGET = 1000  # reported-index entries checked per pass
# The hash log keeps at least this many entries (and at least one per hash): a worker idle for a
# while catches up from the log rather than loading every hash afresh.
HASH_LOG_KEPT = 10_000


@dataclass(frozen=True)
class Pass:
    scanned: int  # overdue pending images looked at
    requeued: int  # hides enqueued again
    followups: int  # outbox entries dispatched
    checked: int  # reported-index entries checked by the retention sweep
    pruned: int  # of which removed


def reconcile(services: Services) -> Pass | None:
    """One pass if it is this process's turn (one pass per interval across all workers), else None."""
    store, settings = services.store, services.settings
    if not store.take_reconcile_turn(settings.reconcile_interval_seconds * 1000):
        return None
    claims = store.claim_overdue_crossings(settings.pending_grace_seconds * 1000)
    for image_id, generation in claims.crossings:
        enqueue_hide(services.hides, image_id, generation)
    record_requeued(store, len(claims.crossings))
    # Before the outbox: a decision's hide whose process died is then recorded with the notice's
    # statement of reasons, not as a plain editor's hide.
    notices.repair(services, settings.pending_grace_seconds * 1000)
    dispatched = followups.recover(services)
    checked, pruned = store.prune_reported(PRUNE_BUDGET)
    hashes_checked, hashes_pruned = store.prune_hashes(settings.match_retention_days * 86400, PRUNE_BUDGET)
    store.trim_hash_log(HASH_LOG_KEPT)
    notices.sweep(services)  # notifiers' names and e-mails past 183 days are erased
    if hashes_pruned:
        log.info("registrations past IMGMOD_MATCH_RETENTION_DAYS forgotten",
                 extra={"checked": hashes_checked, "pruned": hashes_pruned})
    done = Pass(claims.scanned, len(claims.crossings), dispatched, checked, pruned)
    if done.requeued:
        log.warning("lost hides enqueued again", extra={
            "requeued": done.requeued, "scanned": done.scanned,
            "image_ids": [image_id for image_id, _ in claims.crossings[:20]]})
    if done.pruned:
        log.info("silent images forgotten by the retention sweep", extra={"checked": checked, "pruned": pruned})
    return done
