-- Protect an image from automatic hiding, or lift the protection. Protecting cancels a pending
-- hide; lifting it re-applies the threshold to the score at once, so an image with enough reports is then
-- hidden as if its last report had just arrived.
-- KEYS: image hash, pending index, hidden index, protected index, audit stream
-- ARGV: image id, protect ('1' or '0'), actor, audit max length, threshold
local image, pending, hidden, protected, audit = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local id, protect = ARGV[1], ARGV[2] == '1'

local changed, cancelled, crossed = 0, 0, 0
if protect then
  changed = redis.call('ZADD', protected, 'NX', now_ms(), id)
  cancelled = redis.call('ZREM', pending, id)
  redis.call('HDEL', image, 'k', 'q')  -- the reconciler's claim on a crossing ends with it
else
  changed = redis.call('ZREM', protected, id)
  if reached(redis.call('HGET', image, 's'), ARGV[5]) and not redis.call('ZSCORE', hidden, id)
      and redis.call('ZADD', pending, 'NX', now_ms(), id) == 1 then
    crossed = 1
  end
end
redis.call('XADD', audit, 'MAXLEN', '~', ARGV[4], '*', 'type', protect and 'protected' or 'unprotected',
           'image_id', id, 'actor', ARGV[3],
           'detail', cjson.encode({changed = changed == 1, cancelled_pending_hide = cancelled == 1}))
return {changed, crossed, redis.call('HGET', image, 'g') or '0'}
