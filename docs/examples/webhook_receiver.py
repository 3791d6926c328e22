"""Receiving imgmod's webhooks in Python: verify each delivery as the Standard Webhooks specification
says, with its own library (`pip install standardwebhooks`), and refuse one whose timestamp is more
than 5 minutes away from now, a replay.

`imgmod_webhooks(secret)` is the verifier for IMGMOD_WEBHOOK_SECRET: a `whsec_…` secret is the key in
base64, which the library decodes itself; any other secret is used as its UTF-8 bytes.
`verified_event(hooks, body, headers)` is the event, or None when the signature does not match the
raw body or the timestamp is too old (or too new). In an endpoint:

    hooks = imgmod_webhooks(os.environ["IMGMOD_WEBHOOK_SECRET"])

    @app.post("/hooks/imgmod")  # Flask, for example
    def imgmod_webhook():
        event = verified_event(hooks, request.get_data(), request.headers)
        if event is None:
            return "", 401
        ...  # unless event["event_id"] was handled: "image.hidden" or "image.restored" for event["image_id"]
        return "", 204
"""
from __future__ import annotations

from standardwebhooks import Webhook, WebhookVerificationError


def imgmod_webhooks(secret: str) -> Webhook:
    return Webhook(secret if secret.startswith("whsec_") else secret.encode())


def verified_event(hooks: Webhook, body: bytes, headers) -> dict | None:
    try:
        return hooks.verify(body, dict(headers.items()))  # refuses a timestamp over 5 minutes away
    except WebhookVerificationError:
        return None
