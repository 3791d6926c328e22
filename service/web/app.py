"""The Flask app's factory."""
from __future__ import annotations

import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Settings, load_settings

MAX_BODY_BYTES = 64 * 1024


def create_app(settings: Settings | None = None) -> Flask:
    from service.web import context, cors, errors, hardening, metrics, oidc, pages, request_log
    from service.web.api import admin, error_docs, health, images, notices, reports
    from service.web.api import metrics as metrics_api
    from service.web.api import paths

    settings = settings or load_settings()
    if not settings.admin_tokens:
        logging.getLogger(__name__).warning(
            "IMGMOD_ADMIN_TOKENS is not set: the admin API and the editors' console refuse every token")
    app = Flask(__name__)
    app.config.update(
        API_TITLE="imgmod",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        ETAG_ENABLED=True,
    )
    app.json.ensure_ascii = False  # Arabic messages stay readable on the wire

    # X-Forwarded-For is believed only through the configured number of our own proxies.
    if settings.trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=0, x_host=0)

    # Redis clients, the store (which also keeps the per-reporter report limits) and the hide queue.
    context.init_app(app, settings)
    # A request id and one JSON log line per request; request metrics (GET /metrics).
    request_log.init_app(app)
    metrics.init_app(app)
    # JSON errors everywhere, 503 when Redis is away.
    api = errors.JsonErrorsApi(app, spec_kwargs={"extra_plugins": [error_docs.ServerRefusals()]})
    # Two kinds of bearer credential, one scheme each, so that a client (or schemathesis) knows which to send where.
    api.spec.components.security_scheme("admin", {"type": "http", "scheme": "bearer",
                                                  "description": "An admin token of IMGMOD_ADMIN_TOKENS"})
    api.spec.components.security_scheme("frontend", {"type": "http", "scheme": "bearer",
                                                     "description": "A frontend key of IMGMOD_FRONTEND_KEYS"})
    # The same keys, where one is required (POST /v1/images): a scheme of its own, so that a client (or
    # schemathesis) sends a key there without sending one with every report, where it is optional.
    api.spec.components.security_scheme("site", {"type": "http", "scheme": "bearer",
                                                 "description": "A frontend key of IMGMOD_FRONTEND_KEYS, required"})
    errors.init_app(app)
    # Security headers on every answer; a body that is not JSON (415) or nests too deeply is refused before parsing.
    hardening.init_app(app)
    # Public API, admin API and operations endpoints; ids in paths may hold '/', routed on the raw path.
    paths.init_app(app)
    for module in (reports, images, admin, health, metrics_api):
        api.register_blueprint(module.bp)
    api.register_blueprint(notices.bp)  # notices and statements of reasons (EU Digital Services Act)
    api.register_blueprint(notices.admin_bp)
    # The widget, the demo article, the editors' console and /docs (plain pages, not in the OpenAPI document).
    app.register_blueprint(pages.bp)
    # Editors sign in with the newsroom's accounts (OpenID Connect), when IMGMOD_OIDC_* are set.
    oidc.init_app(app, settings)
    app.register_blueprint(oidc.bp)
    # Cross-origin access to the public endpoints for the origins of IMGMOD_CORS_ORIGINS.
    cors.init_app(app, settings)
    return app
