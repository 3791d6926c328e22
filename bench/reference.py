"""The references: bare Flask apps, served like imgmod (bench/servers.py).

The bare app: a POST parses the JSON body and answers a constant; a GET answers a constant. With
`--redis-url`, the one-round-trip app: the same, plus exactly one Redis command through a plain
redis-py client (the service's time-outs), as the issue measured its limits: a POST runs one Lua
script (SADD of the reporter to a set per image, then SCARD), a GET of one image one ZSCORE, a GET
with `id` values one ZMSCORE of them. Any path is accepted, so the load generator sends both
exactly the requests it sends imgmod.

The contract floor (`create_floor_app`): the one-round-trip app plus the work the contract asks of
every request, done by imgmod's own pieces: the request id and JSON log line, the request metrics,
the body and query checks, the security headers; for a report the schema load, the frontend key,
the keyed hashes (reporter, rate-limit key, record) and the thanks in the negotiated language; for
a lookup the id check and the ETag. What it leaves out is imgmod's own choice of how to keep the
rest of the contract (one Lua script that also does rate limits, weights and audit; imgmod's
direct command path): imgmod against it is what imgmod does beyond the contract's required work.
"""
from __future__ import annotations

from flask import Flask, request

from config import Settings
from service.core import identity
from service.web import context, hardening, metrics, request_log
from service.web.api import images, reports
from service.web.api import paths
from service.web.api.inputs import json_body, load
from service.core.connections import connect
from service.web.messages import negotiate
from service.core.ratelimit import rate_key
from service.web.schemas import ImagePathSchema

ANSWER = {"ok": True}
COUNT_REPORTER = "redis.call('SADD', KEYS[1], ARGV[1]) return redis.call('SCARD', KEYS[1])"
HIDDEN = "reference:hidden"
IMAGE_PATH = ImagePathSchema()


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


def create_floor_app(settings: Settings) -> Flask:
    """The one-round-trip app (on `settings.redis_url`) with the contract's per-request work, on the
    bench's three routes and /healthz. Its errors are Flask's own: the bench measures no error."""
    app = Flask(__name__)
    context.init_app(app, settings)  # the settings and a store, which the metrics' scrape reads
    request_log.init_app(app)
    metrics.init_app(app)
    hardening.init_app(app)
    paths.init_app(app)  # ids in paths routed on the raw path, as imgmod does
    redis = connect(settings.redis_url)
    count_reporter = redis.register_script(COUNT_REPORTER)
    secret = settings.secret_key

    @app.post("/v1/reports", endpoint=metrics.REPORTS_ENDPOINT)  # the metrics count reports by endpoint
    def report():
        body = load(reports.REPORT, json_body(), "json")
        lang = load(reports.LANG_QUERY, request.args, "query").get("lang") if request.query_string else None
        image_id = body["image_id"]
        who = reports._reporter_identity(body)  # 401 for an unknown key, 422 without reporter_id
        reporter = identity.reporter_hash(secret, who, image_id)
        # The keys of the rate limits and of a site account's record go along, as to imgmod's script;
        # the reference's script reads only the reporter.
        record = identity.record_key(secret, who) if who.startswith("fe:") else ""
        count_reporter(keys=[f"reference:{image_id}"], args=[reporter, rate_key(secret, who), record])
        metrics.count_report(True)
        # The contract's answer, of imgmod's length: the reference's script says nothing of a repeat.
        return reports.answer(image_id, True, False, negotiate(request, lang, settings.default_lang))

    @app.get("/v1/images/<image_id:image_id>", merge_slashes=False)
    def image(image_id):
        image_id = load(IMAGE_PATH, {"image_id": image_id}, "path")["image_id"]
        return images.image_answer(image_id, redis.zscore(HIDDEN, image_id) is not None)

    @app.get("/v1/images")
    def bulk():
        ids = images.bulk_ids()
        return images.images_answer(ids, "".join("0" if score is None else "1" for score in redis.zmscore(HIDDEN, ids)))

    @app.get("/healthz")
    def healthz():
        return ANSWER

    return app
