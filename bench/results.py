"""Summaries of a bench run: min/median/max over runs, ratios, targets, and the Markdown tables."""
from __future__ import annotations

import math
import statistics
from typing import Sequence

from bench.matching import RESIZED

# figure key -> what it is, for tables
FIGURES = {
    "ingest_c16": "report ingest, 16 connections",
    "ingest_c64": "report ingest, 64 connections",
    "single": "single lookup, 16 connections",
    "bulk": "bulk lookup (100 ids), 16 connections",
}
# The serving issue's targets, keep-alive: imgmod as `imgmod serve` runs it, (1) against the usual
# deployment (the bare app under gunicorn's sync worker) and (2) against the one-round-trip
# reference under imgmod's own server; (3) p99 no worse than under gunicorn sync, and a soak
# answered in full (the servers phase).
RATIO_TARGETS = {"ingest_c16": 0.8, "ingest_c64": 0.8, "single": 1.2, "bulk": 0.9}
ROUNDTRIP_TARGETS = {"ingest_c16": 0.85, "single": 0.95, "bulk": 0.95}
SYNC = "imgmod@gunicorn-sync"
GROWTH_TARGET = 0.85  # speed at 1,000,000 stored within 15% of that at 10,000
HIDE_P99_TARGET_MS = 50.0
MEMORY_TARGETS = {1: 300, 10: 700}
# Issue 17's goals for matching: resized and re-encoded copies matched, no false match, a fast decision.
MATCH_RATE_TARGET = 99.0  # % of resized / re-encoded copies matched at the default distance
MATCH_DECISION_TARGET_MS = 50.0  # at the largest number of hashes stored
# The front door's targets (the front phase, bench/front.py): the widget's lookups as deployed against
# the bare app's tiny GET under gunicorn sync; as deployed against `imgmod serve` reached directly;
# a hide seen by every page within the lookups' max-age and a second; the CORS cache kept if it pays.
FRONT_LOOKUP_TARGET = 3.0
FRONT_INGEST_TARGET = 0.9
CORS_CACHE_TARGET = 1.03
FRONT_SIDES = {"deployed": "nginx → imgmod serve (as deployed)", "direct": "imgmod serve, reached directly",
               "flask-cors": "imgmod serve's settings, CORS by flask-cors on every answer",
               "no-cors": "imgmod serve's settings, no CORS configured",
               "bare": "bare Flask app, tiny GET, gunicorn sync",
               "cached": "nginx → imgmod serve, one article's lookup only (all but one from nginx's cache)"}


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: p99 of 200 values is the second largest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def spread(values: Sequence[float]) -> dict:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def ratios(numerators: Sequence[dict], denominators: Sequence[dict], key: str = "rps") -> list[float]:
    """Run by run: each run of one side against the run of the other side measured next to it."""
    return [round(a[key] / b[key], 3) if b[key] else math.inf for a, b in zip(numerators, denominators)]


def cpu_cost(loads: Sequence[dict]) -> float:
    """Median CPU per request of server, Redis and wrk together (ms): what the machine pays per request."""
    return statistics.median(load["server_cpu_ms"] + (load["redis_cpu_ms"] or 0) + load["wrk_cpu_ms"]
                             for load in loads)


def cpu_ratio(ours: Sequence[dict], reference: Sequence[dict]) -> float:
    """Throughput ratio that a machine busy with nothing else would show: far less noisy than req/s."""
    return cpu_cost(reference) / cpu_cost(ours)


def summarize(results: dict) -> list[dict]:
    """One row per target of the issue: the median over runs, its spread, and whether it is met."""
    rows = []
    http = results.get("http", {})
    for figure, minimum in RATIO_TARGETS.items():
        if figure in http and "reference" in http[figure]:
            values = ratios(http[figure]["imgmod"], http[figure]["reference"])
            rows.append(_row(f"{FIGURES[figure]}: imgmod / bare reference", values, f">= {minimum}",
                             statistics.median(values) >= minimum))
    for figure, minimum in ROUNDTRIP_TARGETS.items():
        rows += _floor_rows(FIGURES[figure], http.get(figure, {}), minimum)
    rows += _serving_rows(results.get("servers"))
    growth = "{:,} stored / {:,} stored".format(results["config"]["stored_large"], results["config"]["stored_small"])
    for figure in ("ingest_c16", "single", "bulk"):
        if f"{figure}_large" in http and figure in http:
            values = ratios(http[f"{figure}_large"]["imgmod"], http[figure]["imgmod"])
            rows.append(_row(f"{FIGURES[figure]}: {growth}", values, f">= {GROWTH_TARGET}",
                             statistics.median(values) >= GROWTH_TARGET))
    for entry in results.get("hide", []):
        if entry["concurrency"] == 1 and entry["workers"] == 1:
            values = [run["p99_ms"] for run in entry["runs"]]
            rows.append(_row("hide p99, one idle worker (ms)", values, f"<= {HIDE_P99_TARGET_MS:g}",
                             statistics.median(values) <= HIDE_P99_TARGET_MS))
    for entry in results.get("memory", []):
        limit = MEMORY_TARGETS.get(entry["reporters"])
        if limit and not entry["image_url"]:
            value = entry["bytes_per_image"]
            rows.append(_row(f"Redis bytes per image, {entry['reporters']} reporter(s)", [value], f"<= {limit}",
                             value <= limit))
    return rows + _front_rows(results.get("front")) + _matching_rows(results.get("matching"))


def _front_rows(front: dict | None) -> list[dict]:
    """The front door's targets, each a ratio of two sides run by run (or the hides' delays)."""
    if not front:
        return []
    figures, c, many = front["figures"], front["connections"], front["many"]
    widget, ingest = figures.get(f"widget_c{c}", {}), figures.get(f"ingest_c{c}", {})
    rows = []

    def ratio_row(what: str, ours: list[dict], theirs: list[dict], goal: float, key: str = "rps") -> None:
        values = ratios(ours, theirs, key)
        met = statistics.median(values) >= goal if key == "rps" else statistics.median(values) <= goal
        rows.append(_row(what, values, f"{'>=' if key == 'rps' else '<='} {goal:g}", met))

    if "deployed" in widget and "bare" in widget:
        ratio_row(f"widget lookups, {c} connections: as deployed / bare Flask's tiny GET", widget["deployed"],
                  widget["bare"], FRONT_LOOKUP_TARGET)
    if "cached" in widget and "bare" in widget:  # the ceiling: every lookup from nginx's cache
        ratio_row(f"one lookup asked over and over, {c} connections: as deployed / bare Flask's tiny GET",
                  widget["cached"], widget["bare"], FRONT_LOOKUP_TARGET)
    if "deployed" in widget and "direct" in widget:
        ratio_row(f"widget lookups p99, {c} connections: as deployed / imgmod serve directly", widget["deployed"],
                  widget["direct"], 1.0, "p99_ms")
    if "deployed" in ingest and "direct" in ingest:
        ratio_row(f"report ingest, {c} connections: as deployed / imgmod serve alone", ingest["deployed"],
                  ingest["direct"], FRONT_INGEST_TARGET)
    for kind, label in (("widget", "widget lookups"), ("ingest", "report ingest")):
        sides = figures.get(f"{kind}_c{many}", {})
        if "deployed" in sides and "direct" in sides:
            ratio_row(f"{label} p99, {many} connections: as deployed / imgmod serve directly", sides["deployed"],
                      sides["direct"], 1.0, "p99_ms")
    cors = figures.get(f"cors_c{c}", {})
    if "direct" in cors and "flask-cors" in cors:
        ratio_row(f"widget lookups, {c} connections, directly: per-origin CORS cache / flask-cors on every answer",
                  cors["direct"], cors["flask-cors"], CORS_CACHE_TARGET)
    hides = front.get("hides") or []
    if hides:
        delays = [entry["seconds"] if entry["seconds"] is not None else math.inf for entry in hides]
        limit = front["max_age"] + 1
        rows.append(_row(f"a hide seen through nginx by every origin's pages (s; {len(hides)} hides, met: the slowest)",
                         delays, f"<= {limit:g}", max(delays) <= limit))
    return rows


def _floor_rows(label: str, sides: dict, minimum: float, names: dict | None = None) -> list[dict]:
    """Target 2 and what stands in its way, run by run: imgmod against the one-round-trip reference
    (the target); the contract floor against it (under the goal: the target is out of reach, the
    contract's own work leaves less); imgmod against the floor (under the goal: imgmod's own excess)."""
    names = names or {side: side for side in ("imgmod", "roundtrip", "floor")}
    pairs = [("imgmod", "roundtrip"), ("floor", "roundtrip"), ("imgmod", "floor")]
    rows = []
    for ours, theirs in pairs:
        if names[ours] in sides and names[theirs] in sides:
            values = ratios(sides[names[ours]], sides[names[theirs]])
            rows.append(_row(f"{label}: {SIDE_NAMES[ours]} / {SIDE_NAMES[theirs]}", values, f">= {minimum}",
                             statistics.median(values) >= minimum))
    return rows


def _matching_rows(figures: dict | None) -> list[dict]:
    if not figures:
        return []
    resized = [figures["copies"][kind]["rate"] * 100 for kind in RESIZED]
    false = figures["distinct"]["within"]
    largest = max(figures["stored"], key=lambda entry: entry["hashes"])
    decision = largest["decision_ms"]["median"]
    return [
        _row(f"resized / re-encoded copies matched at {figures['distance']} bits (%, the worse kind)", [min(resized)],
             f">= {MATCH_RATE_TARGET:g}", min(resized) >= MATCH_RATE_TARGET),
        _row(f"false matches among {figures['photos']:,} distinct photos", [false], "0", false == 0),
        _row(f"match decision, {largest['hashes']:,} hashes stored (ms)", [decision],
             f"< {MATCH_DECISION_TARGET_MS:g}", decision < MATCH_DECISION_TARGET_MS),
    ]


def _matching_tables(figures: dict) -> list[str]:
    """Hash time and rates; the copies' distance histogram; the decision and memory by hashes stored."""
    distinct, kinds = figures["distinct"], figures["copies"]
    hashed = figures["hash_ms"]
    out = [f"Matching: {figures['photos']:,} generated photos, {figures['seconds']:,.0f} s; "
           f"distance {figures['distance']}.", "", "| figure | value |", "| --- | --- |",
           f"| hash of a 640×420 JPEG (ms, median / p90) | {hashed['median']:.1f} / {hashed['p90']:.1f} |",
           f"| quality of the distinct photos (min; how many below 50, never matching) / of a flat grey one "
           f"| {figures['quality_min']} ({figures['unmatchable']:,}) / {figures['flat_quality']} |",
           f"| distinct pairs within {figures['distance']} bits (whatever their quality) "
           f"| {distinct['within']:,} of {distinct['pairs']:,} "
           f"(closest pair {distinct['closest']} bits) |"]
    for kind, found in kinds.items():
        out.append(f"| {kind}: matched (within, both of quality >= 50) | {found['rate'] * 100:.1f} % of {found['count']:,} "
                   f"(median {found['median']:g}, max {found['max']} bits) |")
    out += ["", "| bits apart | " + " | ".join(kinds) + " |", "| --- |" + " --- |" * len(kinds)]
    for bar in next(iter(kinds.values()))["histogram"]:
        out.append(f"| {bar} | " + " | ".join(str(found["histogram"][bar]) for found in kinds.values()) + " |")
    out += ["", "| hashes stored | match decision ms (median / max) | a worker's first load ms "
            "| worker bytes per image | Redis bytes per image |", "| --- | --- | --- | --- | --- |"]
    for entry in figures["stored"]:
        decision = entry["decision_ms"]
        out.append(f"| {entry['hashes']:,} | {decision['median']:.2f} / {decision['max']:.2f} | {entry['first_load_ms']:,} "
                   f"| {entry['worker_bytes_per_image']:,} | {entry['redis_bytes_per_image']:,} |")
    return out + [""]


def _serving_rows(servers: dict | None) -> list[dict]:
    """Target 3: imgmod's p99 under its default server against under gunicorn sync, in the same runs,
    at 16 and 64 connections; and the soak, answered in full. Target 2 and its floor, in these runs too."""
    if not servers:
        return []
    rows, ours = [], f"imgmod@{servers['default']}"
    figures = servers["figures"]
    for mode, connections in (("keepalive", 16), ("c64", 64)):
        for kind in ("ingest", "single", "bulk"):
            sides = figures.get(f"{mode}_{kind}", {})
            if ours in sides and SYNC in sides:
                values = ratios(sides[ours], sides[SYNC], key="p99_ms")
                rows.append(_row(f"{kind} p99 at {connections} connections: imgmod / imgmod under gunicorn sync",
                                 values, "<= 1.0", statistics.median(values) <= 1.0))
    # Target 2 and its floor again, in this phase's own runs under imgmod's server.
    server = servers["default"]
    names = {app: f"{app}@{server}" for app in ("imgmod", "roundtrip", "floor")}
    for kind, figure in (("ingest", "ingest_c16"), ("single", "single"), ("bulk", "bulk")):
        rows += _floor_rows(f"{kind}, servers phase", figures.get(f"keepalive_{kind}", {}), ROUNDTRIP_TARGETS[figure],
                            names)
    for kind in ("ingest", "single"):
        loads = figures.get(f"soak_{kind}", {}).get(ours)
        if loads:
            failed = [load["non2xx"] + load["socket_errors"] for load in loads]
            rows.append(_row(f"{kind} at {servers['soak_connections']} connections: failed or dropped requests",
                             failed, "0", max(failed) == 0))
    return rows


def _row(what: str, values: Sequence[float], target: str, met: bool) -> dict:
    return {"target": what, **spread(values), "goal": target, "met": met}


def _mmm(values: Sequence[float], digits: int = 0) -> str:
    s = spread(values)
    return " / ".join(f"{s[k]:,.{digits}f}" for k in ("min", "median", "max"))


def _errors(loads: Sequence[dict]) -> str:
    bad = sum(load["non2xx"] for load in loads)
    sockets = sum(load["socket_errors"] for load in loads)
    notes = ([f"{bad} non-2xx"] if bad else []) + ([f"{sockets} socket errors"] if sockets else [])
    return " (" + ", ".join(notes) + ")" if notes else ""


def markdown(results: dict) -> str:
    """The tables of BENCHMARKS.md for one run."""
    config = results["config"]
    out = []
    if results.get("http") or results.get("hide"):
        out += [f"Runs: {config['runs']} × {config['seconds']} s per figure; values are min / median / max over runs.", ""]
    http = results.get("http", {})
    if any(figure in http for figure in FIGURES):
        out += ["| figure | imgmod req/s | imgmod p50 / p99 ms | bare reference req/s | reference p50 / p99 ms "
                "| ratio | ratio of CPU ceilings | target |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for figure, label in FIGURES.items():
            if figure not in http:
                continue
            ours, ref = http[figure]["imgmod"], http[figure]["reference"]
            out.append(f"| {label} | {_mmm([r['rps'] for r in ours])}{_errors(ours)} | {_latency(ours)} "
                       f"| {_mmm([r['rps'] for r in ref])}{_errors(ref)} | {_latency(ref)} "
                       f"| {_mmm(ratios(ours, ref), 2)} | {cpu_ratio(ours, ref):.2f} | >= {RATIO_TARGETS[figure]} |")
        out.append("")
    if any("roundtrip" in http.get(figure, {}) for figure in FIGURES):
        out += _roundtrip_table(http)
    if any("floor" in http.get(figure, {}) for figure in FIGURES):
        out += _floor_table(http)
    if http:
        out += _cpu_table(http, results.get("meta", {}).get("cores") or 2)
    if results.get("servers"):
        out += _servers_tables(results["servers"])
    if any(f"{figure}_large" in http for figure in FIGURES):
        small, large = config["stored_small"], config["stored_large"]
        out += [f"| figure | {small:,} stored req/s | {large:,} stored req/s | {large:,} p50 / p99 ms | ratio | target |",
                "| --- | --- | --- | --- | --- | --- |"]
        for figure, label in FIGURES.items():
            if f"{figure}_large" in http:
                ours, big = http[figure]["imgmod"], http[f"{figure}_large"]["imgmod"]
                out.append(f"| {label} | {_mmm([r['rps'] for r in ours])} | {_mmm([r['rps'] for r in big])}"
                           f"{_errors(big)} | {_latency(big)} | {_mmm(ratios(big, ours), 2)} | >= {GROWTH_TARGET} |")
        out.append("")
    if results.get("hide"):
        out += ["| RQ workers | crossings at once | crossings per run | p50 ms | p99 ms | max ms | target |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        for entry in results["hide"]:
            runs = entry["runs"]
            target = f"p99 <= {HIDE_P99_TARGET_MS:g}" if entry["workers"] == 1 and entry["concurrency"] == 1 else ""
            out.append(f"| {entry['workers']} | {entry['concurrency']}{' (idle workers)' if entry['concurrency'] == 1 else ''}"
                       f" | {runs[0]['crossings']} | {_mmm([r['p50_ms'] for r in runs], 1)} "
                       f"| {_mmm([r['p99_ms'] for r in runs], 1)} | {_mmm([r['max_ms'] for r in runs], 1)} | {target} |")
        out.append("")
    if results.get("memory"):
        out += ["| reporters per image | image_url | images | bytes per image (INFO used_memory) "
                "| MEMORY USAGE per image, by key | encodings | target |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        for entry in results["memory"]:
            weights = ", ".join(f"{name} {value:g}" for name, value in entry["by_key"].items())
            encodings = ", ".join(f"{name} {value}" for name, value in entry["encodings"].items())
            limit = MEMORY_TARGETS.get(entry["reporters"]) if not entry["image_url"] else None
            out.append(f"| {entry['reporters']} | {'64 chars' if entry['image_url'] else 'none'} | {entry['images']:,} "
                       f"| {entry['bytes_per_image']:,.0f} | {weights} | {encodings} | {f'<= {limit}' if limit else ''} |")
        out.append("")
    if results.get("matching"):
        out += _matching_tables(results["matching"])
    if results.get("ha"):
        out += _ha_table(results["ha"])
    if results.get("front"):
        out += _front_tables(results["front"])
    rows = summarize(results)
    if rows:
        out += ["| target | min | median | max | goal | met (median) |", "| --- | --- | --- | --- | --- | --- |"]
        for row in rows:
            out.append(f"| {row['target']} | {row['min']:,.2f} | {row['median']:,.2f} | {row['max']:,.2f} "
                       f"| {row['goal']} | {'yes' if row['met'] else '**no**'} |")
        out.append("")
    return "\n".join(out)


def _latency(loads: Sequence[dict]) -> str:
    return (f"{statistics.median(r['p50_ms'] for r in loads):.1f} / "
            f"{statistics.median(r['p99_ms'] for r in loads):.1f}")


def _roundtrip_table(http: dict) -> list[str]:
    """What one Redis round trip through a plain redis-py client costs the bare app: the floor of an
    endpoint that must ask Redis once, and how far imgmod is above it."""
    out = ["| figure | one-round-trip reference req/s | its ratio to the bare reference | its ratio of CPU ceilings "
           "| imgmod / one-round-trip reference, CPU ceilings |", "| --- | --- | --- | --- | --- |"]
    for figure, label in FIGURES.items():
        sides = http.get(figure, {})
        if "roundtrip" in sides:
            floor, ref, ours = sides["roundtrip"], sides["reference"], sides["imgmod"]
            out.append(f"| {label} | {_mmm([r['rps'] for r in floor])}{_errors(floor)} | {_mmm(ratios(floor, ref), 2)} "
                       f"| {cpu_ratio(floor, ref):.2f} | {cpu_ratio(ours, floor):.2f} |")
    return out + [""]


def _floor_table(http: dict) -> list[str]:
    """The contract floor (bench/reference.py): the one-round-trip reference plus the work the contract
    asks of every request. Under the one-round-trip reference by what the contract requires; imgmod
    under it by what imgmod does beyond."""
    out = ["| figure | required-work floor req/s | floor / one-round-trip reference | its ratio of CPU ceilings "
           "| imgmod / floor | its ratio of CPU ceilings |", "| --- | --- | --- | --- | --- | --- |"]
    for figure, label in FIGURES.items():
        sides = http.get(figure, {})
        if "floor" in sides and "roundtrip" in sides:
            floor, roundtrip, ours = sides["floor"], sides["roundtrip"], sides["imgmod"]
            out.append(f"| {label} | {_mmm([r['rps'] for r in floor])}{_errors(floor)} | {_mmm(ratios(floor, roundtrip), 2)} "
                       f"| {cpu_ratio(floor, roundtrip):.2f} | {_mmm(ratios(ours, floor), 2)} | {cpu_ratio(ours, floor):.2f} |")
    return out + [""]


SERVING_MODES = {"keepalive": "keep-alive, 16 connections", "close": "Connection: close, 16 connections",
                 "c64": "keep-alive, 64 connections", "soak": "keep-alive, soak"}


def _servers_tables(servers: dict) -> list[str]:
    """Each app under each server: median req/s, p99 and server CPU per request, by mode and request."""
    figures = servers["figures"]
    out = [f"imgmod's default server: {servers['default']}. Cells: req/s (median) · p99 ms · server CPU ms/request.", "",
           "| mode | request | app@server | req/s | p99 ms | server CPU ms | Redis CPU ms |",
           "| --- | --- | --- | --- | --- | --- | --- |"]
    for mode, label in SERVING_MODES.items():
        for kind in ("ingest", "single", "bulk"):
            for name, loads in figures.get(f"{mode}_{kind}", {}).items():
                redis = statistics.median(load["redis_cpu_ms"] or 0 for load in loads)
                out.append(f"| {label} | {kind} | {name} | {statistics.median(l['rps'] for l in loads):,.0f}"
                           f"{_errors(loads)} | {statistics.median(l['p99_ms'] for l in loads):.1f} "
                           f"| {statistics.median(l['server_cpu_ms'] for l in loads):.3f} | {redis:.3f} |")
    return out + [""]


SIDE_NAMES = {"reference": "bare reference", "roundtrip": "one-round-trip reference",
              "floor": "required-work floor", "imgmod": "imgmod"}


def _cpu_table(http: dict, cores: int) -> list[str]:
    """CPU per request of each part (medians): what the machine could serve if it did nothing else."""
    out = [f"| figure | server | server CPU ms/request | its Redis CPU ms/request | wrk CPU ms/request "
           f"| CPU ceiling on {cores} cores (req/s) | measured req/s (median) |",
           "| --- | --- | --- | --- | --- | --- | --- |"]
    for figure, sides in http.items():
        for side, loads in sides.items():
            server = statistics.median(load["server_cpu_ms"] for load in loads)
            redis = statistics.median(load["redis_cpu_ms"] or 0 for load in loads)
            load_generator = statistics.median(load["wrk_cpu_ms"] for load in loads)
            total = server + redis + load_generator
            ceiling = f"{cores * 1000 / total:,.0f}" if total else "?"
            name = SIDE_NAMES[side]
            out.append(f"| {figure} | {name} | {server:.3f} | {redis:.3f} | {load_generator:.3f} | {ceiling} "
                       f"| {statistics.median(load['rps'] for load in loads):,.0f} |")
    return out + [""]


HA_SIDES = {
    "ack0": "IMGMOD_REDIS_MIN_REPLICAS_ACK=0, master + 1 replica",
    "ack1": "IMGMOD_REDIS_MIN_REPLICAS_ACK=1, master + 1 replica",
    "master": "lookups on the master",
    "replica1": "IMGMOD_LOOKUPS_FROM_REPLICAS=1, 1 replica",
    "replica2": "IMGMOD_LOOKUPS_FROM_REPLICAS=1, 2 replicas",
}
HA_BASELINES = {"ack0", "master"}


def _ha_table(ha: dict) -> list[str]:
    """Replication's cost for reports and gain for lookups, each against its baseline (first side) run by run."""
    out = ["| figure | configuration | req/s | p50 / p99 ms | ratio to the first row | server CPU ms/request |",
           "| --- | --- | --- | --- | --- | --- |"]
    for figure, sides in ha["figures"].items():
        baseline = next(loads for side, loads in sides.items() if side in HA_BASELINES)
        label = FIGURES.get(figure, figure)
        for side, loads in sides.items():
            cpu = statistics.median(load["server_cpu_ms"] for load in loads)
            out.append(f"| {label} | {HA_SIDES[side]} | {_mmm([r['rps'] for r in loads])}{_errors(loads)} "
                       f"| {_latency(loads)} | {_mmm(ratios(loads, baseline), 2)} | {cpu:.3f} |")
    return out + [""]


def _front_tables(front: dict) -> list[str]:
    """Each side of the front phase: throughput, latency, CPU per request and the share nginx answered;
    what CORS costs, with and without the per-origin cache; the hides' delays."""
    figures, mix = front["figures"], front["mix"]
    out = [f"The widget's lookups: {front['articles']:,} articles, popularity by a Zipf law (exponent "
           f"{front['zipf_exponent']:g}; the 10 most viewed take {mix['top_10_share']:.0%} of page views, the 100 most "
           f"viewed {mix['top_100_share']:.0%}), {mix['photos_per_article']:g} photos per article, "
           f"{mix['lookups_per_view']:g} lookups per page view, `Origin` of an allowed site; lookups' max-age "
           f"{front['max_age']} s. Cells: min / median / max of req/s; medians of the rest. Server CPU is every process "
           f"of the side (nginx's and the API's as deployed).", "",
           "| figure | side | req/s | p50 / p99 ms | server CPU ms/request (of which the API) | Redis CPU ms/request "
           f"| wrk CPU ms/request | CPU ceiling on {front.get('cores') or 2} cores (req/s) | answered by nginx alone |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    labels = {"widget": "widget lookups", "ingest": "report ingest"}
    for figure, sides in figures.items():
        if figure.startswith("cors_"):
            continue  # its own table below
        kind, _, connections = figure.partition("_c")
        for side, loads in sides.items():
            cpu = statistics.median(load["server_cpu_ms"] for load in loads)
            api = [load["api_cpu_ms"] for load in loads if "api_cpu_ms" in load]
            redis = statistics.median(load["redis_cpu_ms"] or 0 for load in loads)
            answered = [load["proxy_answered"] for load in loads if "proxy_answered" in load]
            label = "tiny GET" if side == "bare" else labels.get(kind, kind)
            ceiling = (front.get("cores") or 2) * 1000 / cpu_cost(loads)
            out.append(f"| {label}, {connections} connections | {FRONT_SIDES.get(side, side)} "
                       f"| {_mmm([r['rps'] for r in loads])}{_errors(loads)} | {_latency(loads)} "
                       f"| {cpu:.3f}{f' ({statistics.median(api):.3f})' if api else ''} | {redis:.3f} "
                       f"| {statistics.median(load['wrk_cpu_ms'] for load in loads):.3f} | {ceiling:,.0f} "
                       f"| {f'{statistics.median(answered):.1%}' if answered else ''} |")
    out.append("")
    cors = figures.get(f"cors_c{front['connections']}", {})
    if {"direct", "flask-cors", "no-cors"} <= set(cors):
        base = statistics.median(load["server_cpu_ms"] for load in cors["no-cors"])
        out += [f"CORS, widget lookups reached directly ({front['connections']} connections; each side twice per run, "
                f"A B C C B A). The share is of the request's server CPU: (this side's - no CORS's) / this side's.", "",
                "| CORS | req/s | req/s against flask-cors, run by run | server CPU ms/request "
                "| CORS's share |", "| --- | --- | --- | --- | --- |"]
        for side, label in (("flask-cors", "flask-cors on every answer"), ("direct", "per-origin cache (imgmod)"),
                            ("no-cors", "none (no IMGMOD_CORS_ORIGINS)")):
            cpu = statistics.median(load["server_cpu_ms"] for load in cors[side])
            share = f"{(cpu - base) / cpu:.1%}" if side != "no-cors" else ""
            against = _mmm(ratios(cors[side], cors["flask-cors"]), 3) if side != "flask-cors" else ""
            out.append(f"| {label} | {_mmm([l['rps'] for l in cors[side]])}{_errors(cors[side])} | {against} "
                       f"| {cpu:.3f} | {share} |")
        out.append("")
    if front.get("hides"):
        out += ["| a photo of the article ranked | seen hidden by every origin after (s) | per origin (s) "
                "| nginx's cache status of the first hidden answer |", "| --- | --- | --- | --- |"]
        for entry in front["hides"]:
            per = ", ".join(f"{value:.2f}" for value in entry["by_origin"].values())
            status = ", ".join(entry["cache_status"].values())
            out.append(f"| {entry['rank']} | {entry['seconds'] if entry['seconds'] is not None else 'never'} "
                       f"| {per} | {status} |")
        out.append("")
    return out
