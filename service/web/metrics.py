"""Prometheus metrics, right however many processes serve the API.

Two sources, merged at scrape time:
- per-process metrics of the API (requests, reports), kept by prometheus-client; under gunicorn it
  runs in multiprocess mode (`imgmod serve` sets PROMETHEUS_MULTIPROC_DIR before anything imports
  it) and the scrape sums every process's files, dead ones included, so a gunicorn worker that is
  replaced keeps its counts;
- cluster-wide facts read from Redis when scraped: event counters that workers, the CLI and the API
  all bump in the store's stats hash (hides, resets, job failures, webhook deliveries, requeues),
  and gauges (queue length, pending hides and their age, live workers). A worker therefore needs
  no metrics port of its own.
"""
from __future__ import annotations

import functools

import os
import time
from dataclasses import dataclass

from flask import Flask, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from redis.exceptions import RedisError
from rq import Queue
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from config import PROMETHEUS_MULTIPROC_ENV as MULTIPROC_ENV
from service.web import context
from service.core.liveness import live_workers
from service.core.queue import followup_queue
from service.web.request_log import request_started
from service.core.stats import CLUSTER_COUNTERS
from service.core.store import Store

EXTENSION = "imgmod.metrics"
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
REPORTS_ENDPOINT = "reports.Reports"

QUEUE_GAUGES = {
    "imgmod_queue_length": "Jobs waiting in the queue",
    "imgmod_jobs_scheduled": "Jobs waiting for a retry after a back-off",
    "imgmod_jobs_failed": "Jobs kept in RQ's failed registry",
}


def _queue_sizes(queue: Queue) -> dict[str, int]:
    return {"imgmod_queue_length": queue.count,
            "imgmod_jobs_scheduled": ScheduledJobRegistry(queue=queue).count,
            "imgmod_jobs_failed": FailedJobRegistry(queue=queue).count}


class ClusterCollector:
    """Reads the cluster-wide counters and gauges from Redis at each scrape."""

    def __init__(self, store: Store, queues: list[Queue]):
        self.store = store
        self.queues = queues  # the hide queue first

    def collect(self):
        up = GaugeMetricFamily("imgmod_redis_up", "1 when Redis answered this scrape")
        try:
            stats = self.store.stats()
            pending, oldest_age = self.store.pending_summary()
            sizes = {queue.name: _queue_sizes(queue) for queue in self.queues}
            gauges = {
                "imgmod_pending_hides": ("Crossings waiting for a worker to hide them", pending),
                "imgmod_oldest_pending_hide_age_seconds": ("Age of the oldest crossing not yet hidden (0: none)",
                                                           oldest_age or 0.0),
                "imgmod_workers_alive": ("Workers with a recent heartbeat", len(live_workers(self.queues[0]))),
                "imgmod_hidden_images": ("Images hidden now", self.store.hidden_count()),
                "imgmod_auto_hide_brake_holds": ("1 while IMGMOD_AUTO_HIDE_BRAKE sends crossings to review",
                                                 int(self.store.brake_holds())),
            }
        except RedisError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for name, documentation in QUEUE_GAUGES.items():
            family = GaugeMetricFamily(name, documentation, labels=["queue"])
            for queue_name, values in sizes.items():
                family.add_metric([queue_name], values[name])
            yield family
        for name, (documentation, value) in gauges.items():
            yield GaugeMetricFamily(name, documentation, value=value)
        for key, (name, documentation, label, values) in CLUSTER_COUNTERS.items():
            family = CounterMetricFamily(name, documentation, labels=[label] if label else [])
            for value in values or (None,):
                family.add_metric([value] if label else [], stats.get(f"{key}:{value}" if label else key, 0))
            yield family


@dataclass
class AppMetrics:
    """This process's metrics, in a registry of the app's own (several apps can live in one test run)."""

    registry: CollectorRegistry
    cluster: ClusterCollector
    latency: Histogram
    reports_received: Counter
    reports_counted: Counter
    reports_rejected: Counter


def _build(store: Store, queues: list[Queue]) -> AppMetrics:
    registry = CollectorRegistry()
    cluster = ClusterCollector(store, queues)
    registry.register(cluster)
    return AppMetrics(
        registry=registry,
        cluster=cluster,
        latency=Histogram("imgmod_http_request_duration_seconds", "Time to answer a request, by endpoint",
                          ["method", "endpoint", "status"], registry=registry,
                          buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)),
        reports_received=Counter("imgmod_reports_received", "Reports received (POST /v1/reports)", registry=registry),
        reports_counted=Counter("imgmod_reports_counted", "Reports that counted a new distinct reporter",
                                registry=registry),
        reports_rejected=Counter("imgmod_reports_rejected", "Reports answered with an error, by status",
                                 ["status"], registry=registry),
    )


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def exposition(app: Flask) -> bytes:
    """The text a scrape gets: every API process's metrics plus the cluster's, whichever process answers."""
    metrics: AppMetrics = app.extensions[EXTENSION]
    if not multiprocess():
        return generate_latest(metrics.registry)
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(metrics.cluster)
    return generate_latest(registry)


def count_report(counted: bool) -> None:
    """Called by the report view once the report is stored."""
    if counted:
        current_app.extensions[EXTENSION].reports_counted.inc()


@functools.cache
def _route_label(rule: str) -> str:
    """The route template without converters: ids that may hold '/' take `<image_id:image_id>`, and
    the label stays `/v1/images/<image_id>`, as dashboards know it."""
    return rule.replace("<image_id:", "<")


def _observer(metrics: AppMetrics):
    """The after_request hook of one app: its metrics are bound here, not looked up per request."""
    latency = metrics.latency
    # One histogram child per (method, route, status), kept: prometheus-client's labels() checks
    # and converts the label values and takes a lock on every call. The label set is bounded by
    # the routes, so is this.
    children: dict[tuple, object] = {}

    def _observe(response):
        # Route templates, not raw paths, keep the label set bounded whatever ids are asked for.
        rule = request.url_rule
        endpoint = _route_label(rule.rule) if rule is not None else "unmatched"
        method = request.method
        if method not in METHODS:
            method = "other"
        status = response.status_code
        started = request_started()
        if started is not None:
            key = (method, endpoint, status)
            child = children.get(key)
            if child is None:
                child = children[key] = latency.labels(method, endpoint, str(status))
            child.observe(time.perf_counter() - started)
        if method == "POST" and request.endpoint == REPORTS_ENDPOINT:
            metrics.reports_received.inc()
            if status >= 400:
                metrics.reports_rejected.labels(str(status)).inc()
        return response

    return _observe


def exposition_response():
    return exposition(current_app), 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}


def init_app(app: Flask) -> None:
    """After request_log.init_app: requests are timed from its first hook, which the log line reports too."""
    services = app.extensions[context.EXTENSION]
    metrics = app.extensions[EXTENSION] = _build(services.store,
                                                 [services.hides, followup_queue(services.hides.connection)])
    app.after_request(_observer(metrics))
