-- An editor hides an image now, whatever its count or protection; a pending automatic hide
-- becomes a no-op because the image leaves the pending index.
-- KEYS: pending index, hidden index, audit stream
-- ARGV: image id, actor, audit max length
local pending, hidden, audit = KEYS[1], KEYS[2], KEYS[3]
local id = ARGV[1]

local already = redis.call('ZSCORE', hidden, id) ~= false
if not already then
  redis.call('ZREM', pending, id)
  redis.call('ZADD', hidden, now_ms(), id)
end
redis.call('XADD', audit, 'MAXLEN', '~', ARGV[3], '*', 'type', 'manual_hide', 'image_id', id,
           'actor', ARGV[2], 'detail', cjson.encode({already_hidden = already}))
return already and 0 or 1
