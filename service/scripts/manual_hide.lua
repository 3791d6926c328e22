-- An editor hides an image now, whatever its count or protection; a pending automatic hide
-- becomes a no-op because the image leaves the pending index.
-- Returns the outbox entry of the hide, or 0 when the image was already hidden.
-- KEYS: image hash, pending index, hidden index, audit stream, outbox, stats hash, review index
-- ARGV: image id, actor, audit max length
local image, pending, hidden, audit, outbox, stats = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local review = KEYS[7]
local id = ARGV[1]

local already = redis.call('ZSCORE', hidden, id) ~= false
local event = 0
if not already then
  local now = now_ms()
  redis.call('ZREM', pending, id)
  redis.call('ZREM', review, id)
  redis.call('HDEL', image, 'k', 'q')  -- the reconciler's claim on a crossing ends with it
  redis.call('ZADD', hidden, now, id)
  redis.call('HINCRBY', stats, 'hides:manual', 1)
  event = 'hidden|' .. (redis.call('HGET', image, 'g') or '0') .. '|' .. now .. '|' .. id
  redis.call('ZADD', outbox, now, event)
end
redis.call('XADD', audit, 'MAXLEN', '~', ARGV[3], '*', 'type', 'manual_hide', 'image_id', id,
           'actor', ARGV[2], 'detail', cjson.encode({already_hidden = already}))
return event
