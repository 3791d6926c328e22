"""The references: bare Flask apps, served like imgmod (bench/servers.py).

The bare app: a POST parses the JSON body and answers a constant; a GET answers a constant. With
`--redis-url`, the one-round-trip app: the same, plus exactly one Redis command through a plain
redis-py client (the service's time-outs), as the issue measured its limits: a POST runs one Lua
script (SADD of the reporter to a set per image, then SCARD), a GET of one image one ZSCORE, a GET
with `id` values one ZMSCORE of them. Any path is accepted, so the load generator sends both
exactly the requests it sends imgmod.
"""
from __future__ import annotations

from flask import Flask, request

from service.connections import connect

ANSWER = {"ok": True}
COUNT_REPORTER = "redis.call('SADD', KEYS[1], ARGV[1]) return redis.call('SCARD', KEYS[1])"
HIDDEN = "reference:hidden"


def create_reference_app(redis_url: str | None = None) -> Flask:
    app = Flask(__name__)
    redis = connect(redis_url) if redis_url else None
    count_reporter = redis.register_script(COUNT_REPORTER) if redis else None

    @app.post("/", defaults={"path": ""})
    @app.post("/<path:path>")
    def parse_json(path):
        body = request.get_json()
        if redis:
            count_reporter(keys=[f"reference:{body.get('image_id')}"], args=[body.get("reporter_id", "")])
        return ANSWER, 202

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def constant(path):
        if redis:
            ids = request.args.getlist("id")
            redis.zmscore(HIDDEN, ids) if ids else redis.zscore(HIDDEN, path.rpartition("/")[2])
        return ANSWER

    return app
