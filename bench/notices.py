"""Notices and statements of reasons (DSA Arts 16-17): the two figures their goals name.

- **Intake**: p99 of `POST /v1/notices` (the receipt comes in the same 202) against a report's, on the
  same `imgmod serve` and Redis, with wrk, runs interleaved so the machine's other load weighs on both
  alike. The report it is compared with is the one a notice stands next to: an anonymous reader's (no
  account, one address each); a news site's backend report (frontend key, reporter id) is measured too.
  Goal: notice p99 <= report p99 + 20 %.
- **Export**: `imgmod statements --since` writing 1,000,000 statements of reasons, the process pinned
  to one core, timed from start to its last line; then every line is checked against the Transparency
  Database's statement schema (tests/tdb_statement.schema.json) and scanned for personal data. Goal:
  under 60 s, every line valid.

`python -m bench.notices` runs both (`--smoke` in miniature, to prove the harness works: its numbers
mean nothing); `python -m bench --only notices` runs them within the whole bench.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import secrets
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from bench import wrk
from bench.services import ROOT, Processes, cpu_seconds, start_redis
from bench.stack import Stack, log, log_load
from service.core.notice_store import RETENTION_DAYS, DAY_MS, STATEMENT_PREFIX, STATEMENTS
from service.core.statements import CATEGORIES, REASON_CATEGORIES

SCHEMA = ROOT / "tests" / "tdb_statement.schema.json"
INTAKE_GOAL = 1.20  # notice p99 / report p99, at most
EXPORT_GOAL_SECONDS = 60.0
# What no exported line may hold: an e-mail address (any "@" at all), an IPv4 address, a reporter's id
# as the bench's reports name them, the notifier's name its notices carry.
IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")


def personal_data(line: str) -> bool:
    return "@" in line or "reader-" in line or "Bench Notifier" in line or IPV4.search(line) is not None
# A large rate limit: the limit is checked (its counters written) on every request as in production,
# while the bench's addresses, reused from run to run, never reach it.
BENCH_RATE_LIMIT = "1000000/minute"


@dataclass(frozen=True)
class Plan:
    runs: int = 3
    seconds: int = 5
    warmup_seconds: int = 1
    connections: int = 16
    pool: int = 100_000  # images the notices and reports are spread over
    statements: int = 1_000_000


SMOKE = Plan(runs=1, seconds=1, warmup_seconds=0, pool=1000, statements=2_000)


def intake(plan: Plan, processes: Processes, workdir: Path, secret: str, frontend_key: str) -> dict:
    """wrk runs of notices, anonymous reports and frontend reports, interleaved; p50/p99 per run."""
    stack = Stack(processes, "notices", workdir, secret, frontend_key,
                  env={"IMGMOD_TRUSTED_PROXIES": "1", "IMGMOD_REPORT_RATE_LIMIT": BENCH_RATE_LIMIT})
    stack.api.wait()
    stack.workers.start(1)  # takes the rare crossings of the report runs
    scripts = {name: wrk.script_path(name, workdir / "lua")
               for name in ("notice", "report_anonymous", "report")}
    kinds = {"notice": lambda nonce: [plan.pool, nonce],
             "report_anonymous": lambda nonce: [plan.pool, nonce],
             "report": lambda nonce: [frontend_key, plan.pool, nonce]}
    results: dict[str, list[dict]] = {kind: [] for kind in kinds}

    def one(kind: str, seconds: float) -> dict:
        stack.wait_quiet()
        pid = stack.api.process.pid
        server_cpu, redis_cpu = cpu_seconds(pid), stack.redis.cpu()
        figures = wrk.run(stack.api.url, scripts[kind], plan.connections, seconds,
                          kinds[kind](uuid.uuid4().hex[:8]))
        per_request = 1000 / max(1, figures.requests)
        return {**figures.as_dict(), "server_cpu_ms": round((cpu_seconds(pid) - server_cpu) * per_request, 4),
                "redis_cpu_ms": round((stack.redis.cpu() - redis_cpu) * per_request, 4)}

    if plan.warmup_seconds:
        for kind in kinds:
            one(kind, plan.warmup_seconds)
    for run in range(plan.runs):
        order = list(kinds) if run % 2 == 0 else list(reversed(kinds))  # neither always goes first
        for kind in order:
            load = one(kind, plan.seconds)
            results[kind].append(load)
            log_load("intake", kind, load, run)
    stack.workers.stop()
    processes.stop(stack.api.process)
    stack.store.redis.flushall()
    processes.stop(stack.redis.process)
    notice_p99 = statistics.median(r["p99_ms"] for r in results["notice"])
    report_p99 = statistics.median(r["p99_ms"] for r in results["report_anonymous"])
    frontend_p99 = statistics.median(r["p99_ms"] for r in results["report"])
    return {"runs": results, "connections": plan.connections, "seconds": plan.seconds,
            "notice_p99_ms": notice_p99, "report_p99_ms": report_p99, "frontend_report_p99_ms": frontend_p99,
            "ratio": round(notice_p99 / report_p99, 3), "ratio_to_frontend_report": round(notice_p99 / frontend_p99, 3),
            "goal": f"<= {INTAKE_GOAL}", "met": notice_p99 <= report_p99 * INTAKE_GOAL,
            "void": any(r["non2xx"] or r["socket_errors"] for runs in results.values() for r in runs)}


def synthetic_statement(number: int, at_ms: int, rng: random.Random) -> dict:
    """A statement as service/core/statements.py records one, of each cause in a realistic mix: most hides
    by readers' reports, some by matching and by editors, a few deciding notices."""
    cause = rng.choices(("reports", "match", "editor", "notice"), weights=(70, 15, 10, 5))[0]
    reason = rng.choice(list(REASON_CATEGORIES))
    image_id = f"news-{number // 7}/{number}.hero"
    base = {"image_id": image_id, "generation": number % 3, "at_ms": at_ms,
            "content_date_ms": at_ms - rng.randrange(0, 30 * DAY_MS), "restriction": "disabled",
            "redress": "You may ask the site's editors to review this decision by answering the site's message; "
                       "you may also turn to the courts.",
            "notice": None, "token": secrets.token_urlsafe(24)}
    if cause == "notice":
        category = rng.choice(CATEGORIES)
        reference = f"N-{number:010d}"
        return {**base, "source": "article_16", "automated_detection": False, "automated_decision": "not_automated",
                "ground": "illegal", "legal_ground": "Penal Code art. 447-1 (distributing images without consent)",
                "explanation": "An editor checked the notice and the image: it shows a person without consent.",
                "category": category, "hidden_by": "editor", "notice": reference,
                "facts": f"A notice (reference {reference}) said the image is illegal ({category}); an editor of "
                         f"the site reviewed it and the notice and hid the image."}
    terms = {**base, "ground": "terms", "legal_ground": "The site's rules for readers' images",
             "category": REASON_CATEGORIES[reason], "hidden_by": "reports" if cause == "reports" else cause}
    if cause == "match":
        return {**terms, "source": "voluntary", "automated_detection": True, "automated_decision": "fully",
                "explanation": "The image is a copy of an image hidden earlier on the same grounds.",
                "facts": f"The image was hidden automatically because its perceptual hash (PDQ) is within the "
                         f"site's distance of image news-{number // 11}/source.hero, which was hidden earlier; no "
                         f"notice preceded it and no person reviewed it before the hide."}
    if cause == "editor":
        return {**terms, "source": "other_notification", "automated_detection": False,
                "automated_decision": "not_automated",
                "explanation": "An editor judged the image incompatible with the site's rules.",
                "facts": f"An editor of the site hid the image after reviewing it, following 2 readers' reports "
                         f"(reasons: {reason} (2))."}
    return {**terms, "source": "other_notification", "automated_detection": False, "automated_decision": "fully",
            "explanation": "Enough distinct readers reported the image for the site's rules to hide it.",
            "facts": f"The image was hidden automatically when 3 distinct readers' reports (reasons: {reason} (3)) "
                     f"reached the site's threshold of 3; no person reviewed it before the hide."}


def fill_statements(redis_client, count: int, start_ms: int, batch: int = 5000) -> None:
    """`count` statements, one a second from `start_ms`, under the keys service/core/notice_store.py writes."""
    rng = random.Random(1842)
    retention = RETENTION_DAYS * DAY_MS
    for first in range(0, count, batch):
        pipe = redis_client.pipeline(transaction=False)
        members = {}
        for number in range(first, min(count, first + batch)):
            at_ms = start_ms + number * 1000
            statement = synthetic_statement(number, at_ms, rng)
            member = f"{statement['generation']}|{statement['image_id']}"
            pipe.set(STATEMENT_PREFIX + member, json.dumps(statement, ensure_ascii=False), px=retention)
            members[member] = at_ms
        pipe.zadd(STATEMENTS, members)
        pipe.execute()


def _pin_to_one_core():
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def export(plan: Plan, processes: Processes, workdir: Path, secret: str) -> dict:
    """Fill a Redis with `plan.statements` statements, time `imgmod statements --since` writing them
    all on one core, then validate every line and scan them all for personal data."""
    server = start_redis(processes, "redis-statements", workdir / "redis-statements")
    client = server.client()
    started = time.monotonic()
    start_ms = int(time.time() * 1000) - plan.statements * 1000  # one a second, up to now
    fill_statements(client, plan.statements, start_ms)
    log(f"statements: {plan.statements:,} stored in {time.monotonic() - started:.1f} s")
    out = workdir / "statements.jsonl"
    env = {name: value for name, value in os.environ.items() if not name.startswith("IMGMOD_")}
    env.update(IMGMOD_REDIS_URL=server.url, IMGMOD_SECRET_KEY=secret)
    since = time.strftime("%Y-%m-%d", time.gmtime(start_ms / 1000 - 86400))
    redis_cpu = server.cpu()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    with out.open("wb") as sink:
        subprocess.run([sys.executable, "-m", "service.cli", "statements", "--since", since], env=env, stdout=sink,
                       check=True, preexec_fn=_pin_to_one_core)
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cli_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    redis_cpu = server.cpu() - redis_cpu
    log(f"statements: {plan.statements:,} written in {seconds:.1f} s (CPU: export {cli_cpu:.1f} s, "
        f"Redis {redis_cpu:.1f} s), {out.stat().st_size / 1e6:.0f} MB")
    client.flushall()
    client.close()
    processes.stop(server.process)
    checked = check_lines(out)
    out.unlink()
    return {"statements": plan.statements, "seconds": round(seconds, 2), "export_cpu_seconds": round(cli_cpu, 2),
            "redis_cpu_seconds": round(redis_cpu, 2), **checked, "goal_seconds": EXPORT_GOAL_SECONDS,
            "met": seconds < EXPORT_GOAL_SECONDS and checked["lines"] == plan.statements
            and checked["invalid"] == 0 and checked["personal"] == 0}


def check_lines(path: Path) -> dict:
    """Every line against the statement schema (jsonschema-rs when present: a million lines in seconds),
    and scanned for personal data."""
    schema = json.loads(SCHEMA.read_text())
    try:
        import jsonschema_rs

        valid = jsonschema_rs.validator_for(schema).is_valid
        validator = "jsonschema-rs"
    except ImportError:
        import jsonschema

        valid = jsonschema.validators.validator_for(schema)(schema).is_valid
        validator = "jsonschema"
    started = time.monotonic()
    lines = invalid = personal = 0
    puids = set()
    with path.open("rb") as lines_in:
        for raw in lines_in:
            lines += 1
            statement = json.loads(raw)
            invalid += not valid(statement)
            personal += personal_data(raw.decode())
            puids.add(statement.get("puid"))
    log(f"statements: {lines:,} lines checked with {validator} in {time.monotonic() - started:.1f} s: "
        f"{invalid} invalid, {personal} with personal data, {len(puids):,} distinct puids")
    return {"lines": lines, "invalid": invalid, "personal": personal, "distinct_puids": len(puids),
            "validator": validator}


def phase(plan: Plan, processes: Processes, workdir: Path, secret: str, frontend_key: str) -> dict:
    return {"intake": intake(plan, processes, workdir, secret, frontend_key),
            "export": export(plan, processes, workdir, secret)}


def summary(results: dict) -> str:
    intake_, export_ = results["intake"], results["export"]
    return "\n".join([
        "| figure | value | goal | met |", "| --- | --- | --- | --- |",
        f"| notice intake p99 / anonymous report p99 ({intake_['connections']} connections, median of "
        f"{len(intake_['runs']['notice'])} runs) | {intake_['notice_p99_ms']:.1f} / {intake_['report_p99_ms']:.1f} ms "
        f"= {intake_['ratio']:.2f} | {intake_['goal']} | {'yes' if intake_['met'] else 'NO'}"
        f"{' (void: errors)' if intake_['void'] else ''} |",
        f"| notice intake p99 / site backend report p99 | {intake_['notice_p99_ms']:.1f} / "
        f"{intake_['frontend_report_p99_ms']:.1f} ms = {intake_['ratio_to_frontend_report']:.2f} | — | — |",
        f"| `imgmod statements`: {export_['statements']:,} statements, one core | {export_['seconds']:.1f} s "
        f"(CPU {export_['export_cpu_seconds']:.1f} s, Redis {export_['redis_cpu_seconds']:.1f} s) | "
        f"< {export_['goal_seconds']:g} s | {'yes' if export_['met'] else 'NO'} |",
        f"| lines valid against the statement schema | {export_['lines'] - export_['invalid']:,} of "
        f"{export_['lines']:,} | all | {'yes' if not export_['invalid'] else 'NO'} |",
        f"| lines holding personal data | {export_['personal']} | 0 | {'yes' if not export_['personal'] else 'NO'} |",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.notices", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="in miniature, in seconds")
    parser.add_argument("--out", type=Path, default=ROOT / ".bench" / "notices", help="where results and logs go")
    parser.add_argument("--only", default="intake,export", help="intake, export or both")
    parser.add_argument("--runs", type=int)
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--statements", type=int)
    options = parser.parse_args(argv)
    plan = SMOKE if options.smoke else Plan()
    overrides = {"runs": options.runs, "seconds": options.seconds, "statements": options.statements}
    plan = replace(plan, **{name: value for name, value in overrides.items() if value is not None})
    parts = options.only.split(",")
    if "intake" in parts:
        wrk.wrk_binary()
    options.out.mkdir(parents=True, exist_ok=True)
    workdir = options.out / "work"
    secret, frontend_key = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    results: dict = {"config": asdict(plan)}
    with Processes(options.out / "logs") as processes:
        if "intake" in parts:
            results["intake"] = intake(plan, processes, workdir, secret, frontend_key)
        if "export" in parts:
            results["export"] = export(plan, processes, workdir, secret)
    (options.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    if {"intake", "export"} <= set(results):
        print(summary(results))
    else:
        print(json.dumps({key: value for key, value in results.items() if key != "config"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
