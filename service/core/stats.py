"""Cluster-wide event counters, bumped by workers, the command line and the API alike in the store's
stats hash, and read by GET /metrics (service.web.metrics)."""
from __future__ import annotations

from service.core.store import Store

# Cluster-wide counters: (metric, help, label, label values); the store's stats field is
# "<key>" for an unlabelled counter and "<key>:<value>" for a labelled one.
CLUSTER_COUNTERS = {
    "hides": ("imgmod_hides", "Images hidden: automatically, by an editor, or as a copy of a hidden image", "kind",
              ("auto", "manual", "matched")),
    "resets": ("imgmod_resets", "Images restored by an admin reset", None, ()),
    "webhook": ("imgmod_webhook_deliveries", "Webhook delivery attempts by outcome", "outcome",
                ("delivered", "retried", "failed")),
    "jobs": ("imgmod_job_failures", "Failed job runs: retried later, or given up and kept in RQ's failed registry",
             "outcome", ("retried", "failed")),
    "requeued": ("imgmod_reconciler_requeued", "Crossings whose hide was lost and enqueued again", None, ()),
    "braked": ("imgmod_braked_crossings", "Crossings sent to review by IMGMOD_AUTO_HIDE_BRAKE", None, ()),
}


def record_webhook(store: Store, outcome: str) -> None:
    """Count one webhook delivery attempt: 'delivered', 'retried' (will try again) or 'failed' (gave up)."""
    _record(store, "webhook", outcome)


def record_job_failure(store: Store, retried: bool) -> None:
    _record(store, "jobs", "retried" if retried else "failed")


def record_requeued(store: Store, count: int) -> None:
    if count:
        store.incr_stat("requeued", count)


def _record(store: Store, key: str, value: str) -> None:
    if value not in CLUSTER_COUNTERS[key][3]:
        raise ValueError(f"{CLUSTER_COUNTERS[key][0]} has no {value!r}")
    store.incr_stat(f"{key}:{value}")
