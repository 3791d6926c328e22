"""Cross-origin access for the public endpoints only, from the origins in IMGMOD_CORS_ORIGINS."""
from __future__ import annotations

import re

from flask import Flask, Response, request
from flask_cors import CORS

from config import Settings

# The reader-facing endpoints a news page calls from its own origin. The admin API is
# deliberately absent: an editor's token must never be usable from another site's page. Everything
# under /v1/images/ is a single lookup or a placeholder, of any id: '/' in it as it stands or as
# %2F (flask-cors matches the decoded path, the Vary hook below the routed one), any character.
# Notices too: a site's notice form posts from the reader's browser (so that the per-network limit counts
# readers, not the site's server), and shows the status and statement pages by their tokens.
PUBLIC_PATHS = re.compile(r"/v1/(?:reports|images|images/.+|widget\.js|notices|notices/[^/]+|statements/[^/]+)\Z",
                          re.DOTALL)
PREFLIGHT_MAX_AGE = 86400  # a reader's browser asks once a day, not before every report


def init_app(app: Flask, settings: Settings) -> None:
    origins = [origin.rstrip("/") for origin in settings.cors_origins]
    if not origins:
        return  # no browser origin may call us: same-origin pages (demo, console) need no CORS
    CORS(app, resources={PUBLIC_PATHS: {}}, origins=origins, methods=["GET", "HEAD", "POST", "OPTIONS"],
         allow_headers=["Content-Type"], max_age=PREFLIGHT_MAX_AGE, supports_credentials=False)

    @app.after_request
    def vary_on_origin(response: Response) -> Response:
        # Lookups are publicly cacheable and the allow-origin answer depends on the caller,
        # so a shared cache must keep one copy per origin.
        if PUBLIC_PATHS.match(request.path):
            response.vary.add("Origin")
        return response
