"""schemathesis hooks for tests/test_conformance.py (loaded through SCHEMATHESIS_HOOKS): what the
OpenAPI document cannot say but every answer of imgmod promises, as one more check of `--checks all`."""
from __future__ import annotations

import schemathesis

SECURITY_HEADERS = ("x-content-type-options", "referrer-policy", "content-security-policy")


@schemathesis.check
def hardened(ctx, response, case):
    """Security headers on every answer, and no traceback in any."""
    headers = {name.lower() for name in response.headers}
    missing = [name for name in SECURITY_HEADERS if name not in headers]
    assert not missing, f"security headers missing: {missing}"
    assert b"Traceback" not in response.content, "a traceback in the answer"  # bytes: images too
