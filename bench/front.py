"""The front phase: the deployment as docker-compose.yml runs it, nginx (deploy/nginx/imgmod.conf.template,
rendered by deploy/frontdoor.py) in front of `imgmod serve`, loaded with the widget's real requests.

Sides, each loaded in turn run by run so that the machine's other load weighs on all alike:
- `deployed`: nginx → `imgmod serve` (IMGMOD_TRUSTED_PROXIES=1, IMGMOD_CORS_ORIGINS set);
- `direct`: the same `imgmod serve` reached without nginx, as before the front door;
- `flask-cors`: imgmod under the same gunicorn settings with CORS worked out by flask-cors on every
  answer, as before the per-origin cache (bench.servers' `imgmod-flask-cors`), on the same Redis;
- `no-cors`: the same without IMGMOD_CORS_ORIGINS, so no CORS at all: what CORS costs is the
  difference (these two and `direct` make the `cors_c16` figure, each twice per run);
- `bare`: the bare reference's tiny GET on gunicorn sync (bench/reference.py), the usual Flask deployment;
- `cached`: the deployment asked for one article's lookup only, so nginx answers all but the first
  from its cache: the most the deployment can serve on this machine, whatever the API behind it.
Lookups are the widget's (bench/widget.py: bulk lookups of an article's photos with the page's
Origin, articles viewed by a Zipf law); reports are bench/lua/report.lua's. Last, with the widget's
load running through nginx, an editor hides photos of articles of several ranks through the admin
API, and each article's lookup is asked through nginx, for each allowed origin, until it says hidden.
"""
from __future__ import annotations

import http.client
import json
import os
import secrets
import statistics
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import quote

from bench import widget
from bench.loads import Loads, Target
from bench.servers import DEFAULT_SERVER, FLASK_CORS
from bench.services import Processes, Server, spawn_server
from bench.stack import Stack, log
from deploy.frontdoor import Nginx, nginx_binary

ORIGINS = ("https://www.example-news.com", "https://fr.example-news.com")
ORIGIN = ORIGINS[0]  # the pages of the mix
LOOKUP_MAX_AGE = 10  # service/web/api/images.py: Cache-Control: public, max-age=10
HIDE_RANKS = (1, 2, 3, 5, 10, 30, 100, 300, 1000, 3000)  # articles by popularity (1: the most viewed)
POLL_SECONDS = 0.05
POLL_LIMIT_SECONDS = 3 * LOOKUP_MAX_AGE
MANY_SECONDS = 3


class NginxMissing(RuntimeError):
    """nginx is not installed (Debian: apt-get install nginx), or IMGMOD_NGINX names none."""


def nginx_path() -> str:
    found = nginx_binary()
    if not found:
        raise NginxMissing("nginx is not installed: apt-get install nginx (or set IMGMOD_NGINX)")
    return found


def front_env(admin_token: str) -> dict:
    """What docker-compose.yml sets beside the basics: one trusted proxy hop, the sites' origins; and
    an editor's token for the hides."""
    return {"IMGMOD_TRUSTED_PROXIES": "1", "IMGMOD_CORS_ORIGINS": ",".join(ORIGINS),
            "IMGMOD_ADMIN_TOKENS": f"bench-editor:{admin_token}"}


def front_phase(plan, processes: Processes, workdir: Path, secret: str, frontend_key: str,
                bare: Server) -> dict:
    admin_token = secrets.token_urlsafe(32)
    stack = Stack(processes, "front", workdir, secret, frontend_key, env=front_env(admin_token))
    stack.fill(plan.stored_small)
    flask_cors = spawn_server(processes, "front-flask-cors", FLASK_CORS, DEFAULT_SERVER, stack.env, workdir=workdir)
    no_cors_env = {name: value for name, value in stack.env.items() if name != "IMGMOD_CORS_ORIGINS"}
    no_cors = spawn_server(processes, "front-no-cors", "imgmod", DEFAULT_SERVER, no_cors_env, workdir=workdir)
    api = stack.api.wait()
    proxy = Nginx(nginx_path(), workdir / "nginx", f"127.0.0.1:{api.port}")
    processes.children.append(proxy.process)  # stopped by its pid with the rest
    deployed = Server("nginx", proxy.port, proxy.process)
    api_log = processes.logs / f"{api.name}.log"
    targets = {"deployed": Target(deployed, stack.redis, stack, behind=api, api_log=api_log),
               "direct": Target(api, stack.redis, stack),
               "flask-cors": Target(flask_cors.wait(), stack.redis, stack),
               "no-cors": Target(no_cors.wait(), stack.redis, stack),
               "bare": Target(bare),
               "cached": Target(deployed, stack.redis, stack, behind=api, api_log=api_log)}
    mix = widget.write(workdir / "widget", plan.stored_small, views=plan.page_views)
    one = widget.write_one(workdir / "widget", plan.stored_small)
    loads = Loads.prepared(workdir, frontend_key, plan.ingest_pool)
    stack.workers.start(1)  # takes the rare crossings of the ingest runs
    c, many = plan.lookup_connections, plan.soak_connections
    # At 256 connections two API workers take a while to answer the first of them: never under 3 s.
    many_seconds = max(plan.seconds, MANY_SECONDS)

    def widget_load(side: str, connections: int, seconds: float) -> dict:
        if side == "bare":  # the tiny GET: a constant answer
            return loads.lookup(targets["bare"], "single", plan.stored_small, connections, seconds)
        return loads.widget(targets[side], one if side == "cached" else mix, ORIGIN, connections, seconds)

    lookup_sides = ("bare", "deployed", "cached", "direct")
    # What CORS costs, with and without the cache, reached directly: each side twice per run, in
    # the order A B C C B A, so that a neighbour's burst weighs on each side alike.
    cors_sides = ("direct", "flask-cors", "no-cors")
    if plan.warmup_seconds:
        for side in lookup_sides + cors_sides[1:]:
            widget_load(side, c, plan.warmup_seconds)
        for side in ("deployed", "direct"):
            loads.ingest(targets[side], c, plan.warmup_seconds)
    for run in range(plan.runs):
        for side in lookup_sides:
            loads.record(f"widget_c{c}", side, widget_load(side, c, plan.seconds), run, "front")
        for side in cors_sides + cors_sides[::-1]:
            loads.record(f"cors_c{c}", side, widget_load(side, c, plan.seconds), run, "front")
        for side in ("deployed", "direct"):
            loads.record(f"ingest_c{c}", side, loads.ingest(targets[side], c, plan.seconds), run, "front")
        for side in ("deployed", "direct"):
            loads.record(f"widget_c{many}", side, widget_load(side, many, many_seconds), run, "front")
            loads.record(f"ingest_c{many}", side, loads.ingest(targets[side], many, many_seconds), run, "front")
    hides = hide_visibility(plan, loads, targets["deployed"], mix, stack, admin_token, c)
    stack.workers.stop()
    figures = json.loads(json.dumps(loads.results))
    processes.stop(proxy.process, flask_cors.process, no_cors.process)
    return {"nginx": nginx_version(), "cores": os.cpu_count(), "connections": c, "many": many, "articles": widget.ARTICLES, "zipf_exponent": widget.ZIPF_EXPONENT,
            "page_views": plan.page_views, "origins": list(ORIGINS), "max_age": LOOKUP_MAX_AGE,
            "mix": mix_summary(plan.stored_small), "figures": figures, "hides": hides}


def nginx_version() -> str:
    """'nginx/1.22.1' from `nginx -v` (which writes it to stderr)."""
    result = subprocess.run([nginx_path(), "-v"], capture_output=True, text=True)
    return (result.stderr or result.stdout).strip().rpartition(": ")[2]


def mix_summary(stored: int) -> dict:
    """What a page view asks, on average: photos and lookups, and the URL's length."""
    paths = [widget.lookup_paths(widget.photos(article, stored)) for article in range(widget.ARTICLES)]
    weights = widget.zipf_weights(widget.ARTICLES)
    return {"photos_per_article": round(statistics.mean(len(widget.photos(a, stored)) for a in range(widget.ARTICLES)), 2),
            "lookups_per_view": round(sum(w * len(p) for w, p in zip(weights, paths)), 3),
            "url_bytes_per_view": round(sum(w * sum(map(len, p)) for w, p in zip(weights, paths)), 1),
            "top_10_share": round(sum(weights[:10]), 4), "top_100_share": round(sum(weights[:100]), 4)}


def hide_visibility(plan, loads: Loads, target: Target, mix: tuple[Path, Path], stack: Stack, admin_token: str,
                    connections: int) -> list[dict]:
    """With the widget's load running through nginx, an editor hides one photo of each article of
    HIDE_RANKS (the first `plan.front_hides`) at once (the admin API, through nginx); for each, the article's lookup is asked
    through nginx, with each allowed origin (one cached copy each), until it says hidden. The delay
    runs from the hide's answer to the last origin's first hidden answer."""
    # The load runs a max-age and more before the hides (`plan.front_settle`), so that the cached
    # copies were taken at moments spread as a site's are (not all when the load began), and on
    # until every poll is done.
    settle = plan.front_settle
    seconds = settle + LOOKUP_MAX_AGE + 4
    background = threading.Thread(target=lambda: loads.widget(target, mix, ORIGIN, connections, seconds), daemon=True)
    background.start()
    time.sleep(settle)
    port = target.server.port
    chosen, taken = [], set()
    for rank in HIDE_RANKS[:plan.front_hides]:
        article = rank - 1
        while True:  # a photo still shown: the next article's if all of this one's are hidden already
            shown = [i for i in widget.photos(article, plan.stored_small) if not stack.store.is_hidden(i)]
            if shown and article not in taken:
                break
            article += 1
        taken.add(article)
        chosen.append((article + 1, article, shown[-1]))
    results: list[dict] = []
    done = threading.Lock()

    def watch(rank: int, article: int, image_id: str) -> None:
        status, _ = call(port, "POST", f"/v1/admin/images/{quote(image_id, safe='')}/hide",
                         {"Authorization": f"Bearer {admin_token}"})
        hidden_at = time.monotonic()
        delays, caches = {}, {}
        path = widget.article_path(article, plan.stored_small)
        while len(delays) < len(ORIGINS) and time.monotonic() - hidden_at < POLL_LIMIT_SECONDS:
            for origin in ORIGINS:
                if origin not in delays:
                    answer, headers = call(port, "GET", path, {"Origin": origin})
                    images = {entry["image_id"]: entry["hidden"] for entry in json.loads(answer)["images"]}
                    if images[image_id]:
                        delays[origin] = time.monotonic() - hidden_at
                        caches[origin] = headers.get("x-cache-status")
            time.sleep(POLL_SECONDS)
        with done:
            results.append({"rank": rank, "image_id": image_id, "hide_status": status,
                            "seconds": round(max(delays.values()), 3) if len(delays) == len(ORIGINS) else None,
                            "by_origin": {origin: round(value, 3) for origin, value in delays.items()},
                            "cache_status": caches})

    watchers = [threading.Thread(target=watch, args=chosen_one) for chosen_one in chosen]
    for watcher in watchers:
        watcher.start()
    for watcher in watchers:
        watcher.join()
    background.join()
    results.sort(key=lambda entry: entry["rank"])
    for entry in results:
        log(f"front: hide of a photo of article rank {entry['rank']}: seen hidden through nginx by every origin "
            f"after {entry['seconds']} s ({entry['cache_status']})")
    return results


def call(port: int, method: str, path: str, headers: dict) -> tuple[bytes | int, dict]:
    """One request on a connection of its own: (body, headers) of a GET, (status, headers) otherwise."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, headers=headers)
        answer = connection.getresponse()
        body = answer.read()
        found = {name.lower(): value for name, value in answer.getheaders()}
        if method != "GET":
            return answer.status, found
        if answer.status != 200:
            raise RuntimeError(f"{method} {path[:80]}: {answer.status} {body[:200]!r}")
        return body, found
    finally:
        connection.close()
