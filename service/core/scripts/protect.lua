-- Protect an image from automatic hiding, or lift the protection. Protecting cancels a pending
-- hide; lifting it asks the scores again at once (`due` in prelude.lua), so an image with enough
-- reports is then hidden, or put before editors, as if its last report had just arrived.
-- KEYS: image hash, pending index, hidden index, protected index, audit stream, review index, outbox,
--       known-fine hashes, marks near them
-- ARGV: image id, protect ('1' or '0'), actor, audit max length, threshold
-- Returns {crossed, generation, review request's outbox entry or ''}.
local image, pending, hidden, protected, audit = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local review, outbox = KEYS[6], KEYS[7]
local id, protect = ARGV[1], ARGV[2] == '1'

local changed, cancelled, crossed, event = 0, 0, 0, ''
if protect then
  changed = redis.call('ZADD', protected, 'NX', now_ms(), id)
  cancelled = redis.call('ZREM', pending, id)
  redis.call('HDEL', image, 'k', 'q')  -- the reconciler's claim on a crossing ends with it
else
  changed = redis.call('ZREM', protected, id)
end
audit_event(audit, ARGV[4], id, ARGV[3], protect and 'protected' or 'unprotected',
            cjson.encode({changed = changed == 1, cancelled_pending_hide = cancelled == 1}))
if not protect and changed == 1 and not (redis.call('ZSCORE', hidden, id) or redis.call('ZSCORE', pending, id)
                                         or redis.call('ZSCORE', review, id)) then
  local call_for = due(image, protected, id, ARGV[5], KEYS[8], KEYS[9])
  if call_for == 'pending' then
    redis.call('ZADD', pending, now_ms(), id)
    crossed = 1
  elseif call_for == 'review' then
    event = request_review(image, review, audit, outbox, id, 'system', ARGV[4],
                           {score = tonumber(redis.call('HGET', image, 's') or '0'),
                            review_score = tonumber(redis.call('HGET', image, 'v') or '0'), brake = false})
  end
end
return {crossed, redis.call('HGET', image, 'g') or '0', event}
