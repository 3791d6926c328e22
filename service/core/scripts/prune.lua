-- Forget images that never crossed: those with no counted report for ARGV[1] ms, no generation
-- (never reset: a reset image keeps its dismissed reporters) and neither pending, hidden nor
-- protected (lifting a protection re-applies the threshold to the reports it kept).
-- A sweep rather than a TTL on every image hash: the expiry would cost each image ~43 bytes of
-- Redis, and the reported index has to be swept anyway. Checked here rather than by the caller,
-- so a report arriving in between keeps the image.
-- KEYS: reported index, pending index, hidden index, protected index, review index, then per id its
--       image hash and its comments list
-- ARGV: silence in ms after which an image is forgotten, then the image ids
local reported, pending, hidden, protected, review = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local cutoff = tonumber(now_ms()) - tonumber(ARGV[1])
local pruned = 0
for i = 2, #ARGV do
  local id, image, comments = ARGV[i], KEYS[2 * i + 2], KEYS[2 * i + 3]
  local fields = redis.call('HMGET', image, 'l', 'f', 'g')
  local last = tonumber(fields[1] or fields[2] or '0')
  local gone = redis.call('EXISTS', image) == 0
  if gone or (not fields[3] and last < cutoff and not redis.call('ZSCORE', pending, id)
              and not redis.call('ZSCORE', hidden, id) and not redis.call('ZSCORE', protected, id)
              and not redis.call('ZSCORE', review, id)) then
    redis.call('DEL', image, comments)
    pruned = pruned + redis.call('ZREM', reported, id)
  end
end
return pruned
