<?php
// Receiving imgmod's webhooks in PHP (8.0 or newer, standard library only): verify each delivery as the
// Standard Webhooks specification says, and refuse one whose timestamp is more than 5 minutes (300 s)
// away from now, a replay. A `whsec_…` secret is the key in base64; any other secret is the key's bytes
// as written. imgmod_webhook_event() returns the event, or null. Served as it is, this file is the
// endpoint; or include it and call imgmod_webhook_event() from your own.

function imgmod_webhook_event(string $secret, string $body, array $headers): ?array
{
    $headers = array_change_key_case($headers, CASE_LOWER);
    $id = $headers['webhook-id'] ?? '';
    $timestamp = $headers['webhook-timestamp'] ?? '';
    $signatures = $headers['webhook-signature'] ?? '';
    if ($id === '' || $signatures === '' || !ctype_digit($timestamp) || abs(time() - (int) $timestamp) > 300) {
        return null;
    }
    $key = str_starts_with($secret, 'whsec_') ? base64_decode(substr($secret, 6)) : $secret;
    $expected = base64_encode(hash_hmac('sha256', "$id.$timestamp.$body", $key, true));
    foreach (explode(' ', $signatures) as $versioned) {
        [$version, $signature] = array_pad(explode(',', $versioned, 2), 2, '');
        if ($version === 'v1' && hash_equals($expected, $signature)) {
            $event = json_decode($body, true);
            return is_array($event) ? $event : null;
        }
    }
    return null;
}

if (PHP_SAPI !== 'cli') {
    $event = imgmod_webhook_event((string) getenv('IMGMOD_WEBHOOK_SECRET'), file_get_contents('php://input'), getallheaders());
    if ($event === null) { http_response_code(401); exit; }
    // Unless $event['event_id'] was handled: 'image.hidden' or 'image.restored' for $event['image_id'].
    http_response_code(204);
}
