"""The reference: a bare Flask app served by `imgmod serve`'s own gunicorn settings.

A POST parses the JSON body and answers a constant; a GET answers a constant. Any path is
accepted, so the load generator sends it exactly the requests it sends imgmod.
"""
from __future__ import annotations

import argparse

from flask import Flask, request

from service.server import serve

ANSWER = {"ok": True}


def create_reference_app() -> Flask:
    app = Flask(__name__)

    @app.post("/", defaults={"path": ""})
    @app.post("/<path:path>")
    def parse_json(path):
        request.get_json()
        return ANSWER, 202

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def constant(path):
        return ANSWER

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bind", required=True)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    serve(create_reference_app(), options.bind, options.workers, "info")


if __name__ == "__main__":
    main()
