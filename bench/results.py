"""Summaries of a bench run: min/median/max over runs, ratios, targets, and the Markdown tables."""
from __future__ import annotations

import math
import statistics
from typing import Sequence

# figure key -> what it is, for tables
FIGURES = {
    "ingest_c16": "report ingest, 16 connections",
    "ingest_c64": "report ingest, 64 connections",
    "single": "single lookup, 16 connections",
    "bulk": "bulk lookup (100 ids), 16 connections",
}
# The targets: (figure, minimum ratio) against the reference, and for growth.
RATIO_TARGETS = {"ingest_c16": 0.6, "ingest_c64": 0.6, "single": 0.7, "bulk": 0.5}
GROWTH_TARGET = 0.85  # speed at 1,000,000 stored within 15% of that at 10,000
HIDE_P99_TARGET_MS = 50.0
MEMORY_TARGETS = {1: 300, 10: 700}


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: p99 of 200 values is the second largest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def spread(values: Sequence[float]) -> dict:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def ratios(numerators: Sequence[dict], denominators: Sequence[dict], key: str = "rps") -> list[float]:
    """Run by run: each run of one side against the run of the other side measured next to it."""
    return [round(a[key] / b[key], 3) for a, b in zip(numerators, denominators)]


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
    out = [f"Runs: {config['runs']} × {config['seconds']} s per figure; values are min / median / max over runs.", ""]
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
    if http:
        out += _cpu_table(http, results.get("meta", {}).get("cores") or 2)
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
    if results.get("ha"):
        out += _ha_table(results["ha"])
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


SIDE_NAMES = {"reference": "bare reference", "roundtrip": "one-round-trip reference", "imgmod": "imgmod"}


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
