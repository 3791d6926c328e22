"""The pages: the embeddable widget script, the demo article, the editors' console and the API docs."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from functools import cache
from importlib.resources import files
from pathlib import Path

from flask import Blueprint, current_app, render_template, request
from flask_smorest import abort

from config import LANGUAGES
from service.web import demo_images, oidc
from service.web.context import services
from service.web.hardening import ADMIN_PAGE_POLICY, ADMIN_PAGE_POLICY_OVER_HTTP
from service.web.messages import negotiate
from service.web.page_texts import (ADMIN, ARTICLE, DEMO, KEYBOARD, LANG_NAMES, NOTICE_TEXTS, PHOTOS, QUEUE_SHARED, REASONS,
                                SIGN_IN, UNDO, UNDO_SECONDS)

bp = Blueprint("pages", __name__)

# News pages embed the widget on every view: let browsers and CDNs keep it a few minutes,
# so a new version reaches readers quickly without costing a request per page view.
WIDGET_MAX_AGE = 300
PHOTO_MAX_AGE = 86400
# swagger-ui's files, from the flask-swagger-ui package (its dist/ is swagger-ui-dist of the same
# version): served by imgmod itself, so /docs works offline and loads nothing from a CDN.
DOCS_ASSETS = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "text/javascript"}
DOCS_ASSET_MAX_AGE = 86400


def _asked_lang() -> str | None:
    """`?lang=` when given; 400 naming it when it is not one of ours."""
    lang = request.args.get("lang")
    if lang is not None and lang not in LANGUAGES:
        abort(400, message=f"lang: Must be one of: {', '.join(LANGUAGES)}.")
    return lang


WIDGET_FILE = Path(__file__).parent / "static" / "widget.js"


def widget_version(source: bytes) -> str:
    """The version the script states (`var VERSION = "…"`), raised with every change sites should pick up."""
    return re.search(rb'var VERSION = "([^"]+)"', source).group(1).decode()


def write_widget(path: str | os.PathLike) -> str:
    """Write the widget, exactly as GET /v1/widget.js serves it, to `path` (atomically: a page never
    loads half a file); returns its version. For sites that serve their own copy of the script."""
    source = WIDGET_FILE.read_bytes()
    target = Path(path)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(source)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
    return widget_version(source)


@cache
def _widget(static_folder: str) -> tuple[bytes, str, str]:
    """The script, its content hash (the same ETag from every server behind a load balancer) and version."""
    source = (Path(static_folder) / "widget.js").read_bytes()
    return source, hashlib.sha256(source).hexdigest()[:32], widget_version(source)


@bp.get("/v1/widget.js")
def widget():
    source, etag, version = _widget(current_app.static_folder)
    response = current_app.response_class(source, mimetype="text/javascript")
    response.headers["X-Imgmod-Widget-Version"] = version
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = WIDGET_MAX_AGE
    return response.make_conditional(request)


@bp.get("/demo")
def demo():
    lang = _asked_lang() or "ar"  # the article of our first customer, a Moroccan site in Arabic
    return render_template("demo.html", lang=lang, dir="rtl" if lang == "ar" else "ltr", t=DEMO[lang],
                           photos=PHOTOS, languages=LANG_NAMES, threshold=services().settings.threshold)


@bp.get("/demo/images/<name>.jpg")
def demo_photo(name: str):
    if name not in demo_images.SCENES:
        abort(404, message=f"name: no demo photo called {name!r}")
    response = current_app.response_class(demo_images.photo(name), mimetype="image/jpeg")
    response.cache_control.public = True
    response.cache_control.max_age = PHOTO_MAX_AGE
    return response


@bp.get("/admin")
def admin():
    settings = services().settings
    lang = _asked_lang() or negotiate(request, None, settings.default_lang)
    # The redress a notifier is told of is the site's own text (IMGMOD_DSA_REDRESS), shown in the
    # decision form as it will be sent.
    texts = {**ADMIN[lang], "reason_names": REASONS[lang], "notices": NOTICE_TEXTS[lang], "redress": settings.dsa_redress,
             "sign_in_texts": SIGN_IN[lang], "article_texts": ARTICLE[lang], "shared_texts": QUEUE_SHARED[lang],
             "keys_texts": KEYBOARD[lang], "undo_texts": UNDO[lang], "undo_seconds": UNDO_SECONDS}
    response = current_app.make_response(render_template(
        "admin.html", lang=lang, dir="rtl" if lang == "ar" else "ltr", t=ADMIN[lang], nt=NOTICE_TEXTS[lang], texts=texts,
        languages=LANG_NAMES, newsroom=oidc.EXTENSION in current_app.extensions, s=SIGN_IN[lang]))
    response.vary.add("Accept-Language")
    # Reported photos from their own origins: https ones, and http ones on a console served over http.
    response.headers["Content-Security-Policy"] = (ADMIN_PAGE_POLICY if request.scheme == "https"
                                                   else ADMIN_PAGE_POLICY_OVER_HTTP)
    return response


@bp.get("/docs")
def docs():
    """The OpenAPI document in swagger-ui, under the same Content-Security-Policy as the other pages."""
    return render_template("docs.html")


@cache
def _docs_asset(name: str) -> tuple[bytes, str]:
    content = files("flask_swagger_ui").joinpath("dist", name).read_bytes()
    return content, hashlib.sha256(content).hexdigest()[:32]


@bp.get("/docs/assets/<name>")
def docs_asset(name: str):
    if name not in DOCS_ASSETS:
        abort(404, message=f"name: no docs asset called {name!r}")
    content, etag = _docs_asset(name)
    response = current_app.response_class(content, mimetype=DOCS_ASSETS[name])
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = DOCS_ASSET_MAX_AGE
    return response.make_conditional(request)
