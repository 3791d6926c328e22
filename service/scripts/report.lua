-- Check the reporter's rate limits, count one report and, when it is the one that reaches the
-- threshold, mark the image pending. Atomic, so that exactly one report per crossing returns
-- crossed = 1 and enqueues the hide, and a report refused by a limit changes nothing at all.
-- KEYS: image hash, reported index, pending index, hidden index, protected index, comments list,
--       then one counter per rate-limit window (none when the report is not limited)
-- ARGV: image id, reporter field, reason field, image url or '', threshold, comment or '', then per
--       window its allowed reports and its length in seconds
local image, reported, pending, hidden, protected = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local comments = KEYS[6]
local id = ARGV[1]
local KEPT_COMMENTS = 20

-- Fixed windows, as flask-limiter's default strategy: a counter that expires with its window.
for i = 7, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[2 * i - 7]) then
    return {'limited', i - 7, redis.call('PTTL', KEYS[i])}
  end
end
for i = 7, #KEYS do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('EXPIRE', KEYS[i], ARGV[2 * i - 6]) end
end

-- The reporter's field stays after a reset, so dismissed reporters never count twice.
local counted = redis.call('HSETNX', image, ARGV[2], '1')
local count
if counted == 1 then
  local now = now_ms()
  count = redis.call('HINCRBY', image, 'n', 1)
  redis.call('HINCRBY', image, ARGV[3], 1)
  -- 'l' (last report) is written from the second report on and read as 'f' until then: most
  -- images are reported once, and the field would take them into a larger allocation.
  if redis.call('HSETNX', image, 'f', now) == 0 then redis.call('HSET', image, 'l', now) end
  if ARGV[4] ~= '' then redis.call('HSETNX', image, 'u', ARGV[4]) end
  -- Only a counted report's comment is kept, without any identity: a repeat cannot flood the list.
  if ARGV[6] ~= '' then
    redis.call('LPUSH', comments, cjson.encode({at = tonumber(now), reason = string.sub(ARGV[3], 3), text = ARGV[6]}))
    redis.call('LTRIM', comments, 0, KEPT_COMMENTS - 1)
  end
  redis.call('ZADD', reported, count, id)
else
  count = tonumber(redis.call('HGET', image, 'n') or '0')
end

local state = 'visible'
local crossed = 0
if redis.call('ZSCORE', hidden, id) then
  state = 'hidden'
elseif redis.call('ZSCORE', pending, id) then
  state = 'pending'
elseif counted == 1 and count >= tonumber(ARGV[5]) and not redis.call('ZSCORE', protected, id) then
  redis.call('ZADD', pending, now_ms(), id)
  state = 'pending'
  crossed = 1
end
return {counted, count, state, redis.call('HGET', image, 'g') or '0', crossed}
