"""`python -m bench`: the figures of BENCHMARKS.md, each measured next to its reference in one run.

It starts everything it needs (private redis-servers on free ports, `imgmod serve` under
gunicorn, the bare reference app under the same gunicorn settings, `imgmod worker`s, and for the
front phase nginx with the front door's configuration in front of `imgmod serve`), drives
them with wrk, and writes results.json and results.md to --out. The matching phase hashes
generated photos and times match decisions in this process (bench/matching.py). `--smoke` runs it all in
miniature in seconds, to prove the harness works; its numbers mean nothing.
"""
from __future__ import annotations

import argparse
import json
import secrets
import signal
import sys
import time
import uuid
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from bench import front, hide, machine, matching, memory, notices, reference, tricks, wrk
from bench.fill import HIDDEN_EVERY, stored_id
from bench.loads import Loads, Target
from bench.ha import ha_phase
from bench.serving import servers_phase
from bench.results import markdown, percentile, summarize
from bench.servers import DEFAULT_SERVER
from bench.services import (ROOT, Processes, redis_version, RedisServer, Server, service_env, spawn_reference,
                            spawn_server, start_redis)
from bench.stack import Stack, log
from config import Settings, load_settings
from service.core.store import Store

PHASES = ("memory", "http", "servers", "hide", "front", "matching", "ha", "notices")
# Run only when named in --only: the speed tricks against their plain versions (bench/tricks.py).
ON_REQUEST = ("tricks",)
STACK_PHASES = {"http", "servers", "hide", "tricks"}  # the phases on the small data set's stack
WRK_PHASES = STACK_PHASES | {"front", "ha", "notices"}  # the phases that load a server with wrk
# The image_url variant of the memory figure: a realistic 64-character URL.
IMAGE_URL = "https://static.example-news.com/media/2024/article-1842-hero.jpg"


@dataclass(frozen=True)
class Plan:
    runs: int = 3
    seconds: int = 5
    warmup_seconds: int = 1
    connections: tuple[int, ...] = (16, 64)
    lookup_connections: int = 16
    ingest_pool: int = 100_000  # images each ingest run spreads its reports over
    stored_small: int = 10_000
    stored_large: int = 1_000_000
    crossings: int = 200
    hide_workers: tuple[int, ...] = (1, 4)
    busy_concurrency: int = 8
    # Runs of the hide figures other than the target's (one idle worker): a run of 200 crossings
    # takes over a minute while a hide job takes a quarter of a second, so the rest get one run.
    hide_other_runs: int = 1
    memory_images: int = 100_000
    memory_reporters: tuple[int, ...] = (1, 3, 10)
    match_photos: int = 10_000  # distinct generated photos: the false-match figure's set
    match_copies: int = 2_000  # of which this many get four kinds of copies each: the true-match figures
    match_stored: tuple[int, ...] = (10_000, 1_000_000)  # registered hashes the decision is timed among
    soak_connections: int = 256
    soak_seconds: int = 30
    page_views: int = 200_000  # the front phase's page-view mix, drawn once (bench/widget.py)
    front_hides: int = 10  # photos hidden at once through the front door, on articles of as many ranks
    front_settle: int = 12  # seconds of the widget's load before the hides: past a max-age, so copies are of all ages


SMOKE = Plan(runs=1, seconds=1, warmup_seconds=0, ingest_pool=1000, stored_small=100, stored_large=1000,
             crossings=4, busy_concurrency=2, memory_images=200, match_photos=40, match_copies=12,
             match_stored=(100, 2_000), soak_seconds=2, page_views=5_000, front_hides=2, front_settle=1)


def memory_phase(plan: Plan, processes: Processes, workdir: Path, secret: str) -> list[dict]:
    server = start_redis(processes, "redis-memory", workdir / "redis-memory")
    client = server.client()
    threshold = load_settings(service_env(server.url, secret, "unused-frontend-key-0123456789")).threshold
    variants = [(reporters, None) for reporters in plan.memory_reporters] + [(1, IMAGE_URL)]
    entries = []
    for reporters, url in variants:
        started = time.monotonic()
        entry = memory.measure(client, server.url, threshold, secret, plan.memory_images, reporters, url)
        log(f"memory: {reporters} reporter(s){' + image_url' if url else ''}: "
            f"{entry['bytes_per_image']:.0f} bytes per image ({time.monotonic() - started:.1f} s)")
        entries.append(entry)
    client.flushall()
    client.close()
    processes.stop(server.process)
    return entries


def matching_phase(plan: Plan, processes: Processes, workdir: Path) -> dict:
    server = start_redis(processes, "redis-matching", workdir / "redis-matching")
    distance = Settings.match_distance
    figures = matching.rates(plan.match_photos, plan.match_copies, distance)
    log(f"matching: {plan.match_photos} photos hashed in {figures['seconds']:.0f} s, "
        f"{figures['distinct']['within']} false matches, closest pair {figures['distinct']['closest']} bits")
    figures["stored"] = []
    for count in plan.match_stored:
        client, raw = server.client(), server.client(decode=False)
        entry = matching.stored(Store(client, 3, raw=raw), count, distance)  # a new store: a new worker index
        log(f"matching: {count:,} hashes: decision median {entry['decision_ms']['median']:.1f} ms, bytes per image: "
            f"{entry['redis_bytes_per_image']} in Redis, {entry['worker_bytes_per_image']} in a worker")
        figures["stored"].append(entry)
        client.flushall()
        client.close()
        raw.close()
    processes.stop(server.process)
    return figures


def reference_hidden(server: RedisServer, stored: int) -> None:
    """The one-round-trip reference's hidden set, the size of imgmod's on the small data set (every
    100th stored image), so that its lookups read a set of the same size, not an absent key."""
    client = server.client()
    client.zadd(reference.HIDDEN, {stored_id(number): number for number in range(0, stored, HIDDEN_EVERY)})
    client.close()


def http_phase(plan: Plan, small: Stack, large: Stack | None, reference: Server, roundtrip: Server, floor: Server,
               roundtrip_redis: RedisServer, frontend_key: str, workdir: Path) -> dict:
    loads = Loads.prepared(workdir, frontend_key, plan.ingest_pool)

    # (side, what it loads, images stored)
    sides = [("reference", Target(reference), plan.stored_small),
             ("roundtrip", Target(roundtrip, roundtrip_redis), plan.stored_small),
             ("floor", Target(floor, roundtrip_redis), plan.stored_small),
             ("imgmod", Target(small.api, small.redis, small), plan.stored_small)]
    if large:
        sides.append(("large", Target(large.api, large.redis, large), plan.stored_large))
    connections = plan.lookup_connections
    if plan.warmup_seconds:
        for _, target, stored in sides:
            loads.ingest(target, connections, plan.warmup_seconds)
            for kind in ("single", "bulk"):
                loads.lookup(target, kind, stored, connections, plan.warmup_seconds)
    # Interleaved run by run, so that the machine's other load weighs on every side alike.
    for run in range(plan.runs):
        for ingest_connections in plan.connections:
            for side, target, stored in sides:
                if side not in ("large", "roundtrip", "floor") or ingest_connections == connections:
                    figure = f"ingest_c{ingest_connections}" + ("_large" if side == "large" else "")
                    loads.record(figure, "imgmod" if side == "large" else side,
                                 loads.ingest(target, ingest_connections, plan.seconds), run)
        for kind in ("single", "bulk"):
            for side, target, stored in sides:
                figure = kind + ("_large" if side == "large" else "")
                loads.record(figure, "imgmod" if side == "large" else side,
                             loads.lookup(target, kind, stored, connections, plan.seconds), run)
    return json.loads(json.dumps(loads.results))


def hide_phase(plan: Plan, stack: Stack, frontend_key: str) -> list[dict]:
    entries = []
    for count in plan.hide_workers:
        stack.workers.start(count)
        for concurrency in (1, plan.busy_concurrency):
            runs = []
            for run in range(plan.runs if (count, concurrency) == (1, 1) else plan.hide_other_runs):
                latencies = hide.measure(stack.api.port, frontend_key, stack.store, stack.workers, plan.crossings,
                                         concurrency, uuid.uuid4().hex[:8])
                runs.append({"crossings": len(latencies), "p50_ms": round(percentile(latencies, 50), 2),
                             "p99_ms": round(percentile(latencies, 99), 2), "max_ms": round(max(latencies), 2)})
                log(f"run {run + 1}: hide, {count} worker(s), {concurrency} at once: "
                    f"p50 {runs[-1]['p50_ms']:.1f} ms, p99 {runs[-1]['p99_ms']:.1f} ms")
            entries.append({"workers": count, "concurrency": concurrency, "runs": runs})
        stack.workers.stop()
    return entries


def run(plan: Plan, phases: tuple[str, ...], out: Path) -> dict:
    workdir = out / "work"
    secret = secrets.token_urlsafe(32)
    frontend_key = secrets.token_urlsafe(24)
    results: dict = {"config": {**asdict(plan), "phases": list(phases)}}
    load_before = machine.load()
    started = time.time()
    with Processes(out / "logs") as processes:
        if "memory" in phases:
            results["memory"] = memory_phase(plan, processes, workdir, secret)
        reference = None
        if STACK_PHASES & set(phases):
            roundtrip = floor = roundtrip_redis = None
            small = Stack(processes, "small", workdir, secret, frontend_key)
            if {"http", "servers"} & set(phases):
                reference = spawn_reference(processes)
                roundtrip_redis = start_redis(processes, "redis-roundtrip", workdir / "redis-roundtrip")
                reference_hidden(roundtrip_redis, plan.stored_small)
                roundtrip = spawn_reference(processes, "roundtrip", roundtrip_redis.url)
                # The contract floor: imgmod's settings (its frontend key, its secret), the reference's Redis.
                floor = spawn_server(processes, "floor", "floor", DEFAULT_SERVER, small.env, roundtrip_redis.url, workdir)
            large = Stack(processes, "large", workdir, secret, frontend_key) if "http" in phases else None
            small.fill(plan.stored_small)
            if large:
                large.fill(plan.stored_large)
            for server in filter(None, (reference, roundtrip, floor, small.api, large and large.api)):
                server.wait()
            if "http" in phases:
                # One idle worker per data set takes the rare crossings of the ingest runs.
                small.workers.start(1)
                large.workers.start(1)
                results["http"] = http_phase(plan, small, large, reference, roundtrip, floor, roundtrip_redis,
                                             frontend_key, workdir)
                small.workers.stop()
                large.workers.stop()
            if "servers" in phases:
                small.workers.start(1)
                results["servers"] = servers_phase(plan, processes, workdir, small, reference, roundtrip, floor,
                                                   roundtrip_redis, frontend_key)
                small.workers.stop()
            if "hide" in phases:
                results["hide"] = hide_phase(plan, small, frontend_key)
            if "tricks" in phases:
                small.workers.start(1)
                results["tricks"] = tricks.phase(plan, processes, workdir, small, frontend_key)
                small.workers.stop()
        if "front" in phases:
            reference = reference or spawn_reference(processes).wait()  # the bare app's tiny GET
            results["front"] = front.front_phase(plan, processes, workdir, secret, frontend_key, reference)
        if "matching" in phases:
            results["matching"] = matching_phase(plan, processes, workdir)
        if "ha" in phases:
            results["ha"] = ha_phase(plan, processes, workdir, secret, frontend_key)
        if "notices" in phases:  # notice intake against a report's, and the statements export (bench/notices.py)
            notices_plan = notices.SMOKE if plan == SMOKE else replace(notices.Plan(), runs=plan.runs, seconds=plan.seconds)
            results["notices"] = notices.phase(notices_plan, processes, workdir, secret, frontend_key)
            log("notices:\n" + notices.summary(results["notices"]))
    meta = {
        **machine.describe(redis_version(), wrk.wrk_version() if WRK_PHASES & set(phases) else None),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "seconds": round(time.time() - started, 1),
        "load_average": {"before": load_before, "after": machine.load()},
    }
    return {"meta": meta, **results}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="everything in miniature, in seconds")
    parser.add_argument("--out", type=Path, default=ROOT / ".bench", help="where results and logs go")
    parser.add_argument("--only", default=",".join(PHASES), help=f"comma-separated phases among {', '.join(PHASES + ON_REQUEST)} "
                        f"(default: all but {', '.join(ON_REQUEST)})")
    parser.add_argument("--runs", type=int, help="runs per figure (default 3)")
    parser.add_argument("--seconds", type=int, help="seconds per wrk run (default 5)")
    parser.add_argument("--large", type=int, help="images stored for the growth figure (default 1,000,000)")
    parser.add_argument("--crossings", type=int, help="crossings per hide run (default 200)")
    return parser.parse_args(argv)


def _stop(signum, frame):
    # SystemExit unwinds through `with Processes(...)`, which stops every child by its pid.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background
    phases = tuple(phase for phase in PHASES + ON_REQUEST if phase in options.only.split(","))
    plan = SMOKE if options.smoke else Plan()
    overrides = {"runs": options.runs, "seconds": options.seconds, "stored_large": options.large,
                 "crossings": options.crossings}
    plan = replace(plan, **{name: value for name, value in overrides.items() if value is not None})
    if WRK_PHASES & set(phases):
        wrk.wrk_binary()  # fail at once, not after the fills
    if "front" in phases:
        front.nginx_path()
    options.out.mkdir(parents=True, exist_ok=True)
    results = run(plan, phases, options.out)
    results["summary"] = summarize(results)
    (options.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (options.out / "results.md").write_text(table + "\n")
    print(table)
    log(f"done in {results['meta']['seconds']:.0f} s; results in {options.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
