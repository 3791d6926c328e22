-- Count one report and, when it is the one that reaches the threshold, mark the image pending.
-- Atomic, so that exactly one report per crossing returns crossed = 1 and enqueues the hide.
-- KEYS: image hash, reported index, pending index, hidden index, protected index
-- ARGV: image id, reporter field, reason field, image url or '', threshold, ttl seconds of a never-crossed image
local image, reported, pending, hidden, protected = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local id = ARGV[1]

-- The reporter's field stays after a reset, so dismissed reporters never count twice.
local counted = redis.call('HSETNX', image, ARGV[2], '1')
local count
if counted == 1 then
  local now = now_ms()
  count = redis.call('HINCRBY', image, 'n', 1)
  redis.call('HINCRBY', image, ARGV[3], 1)
  redis.call('HSETNX', image, 'f', now)
  redis.call('HSET', image, 'l', now)
  if ARGV[4] ~= '' then redis.call('HSETNX', image, 'u', ARGV[4]) end
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

-- Bounded memory: an image that never crossed (and was never reset: no generation yet) is forgotten
-- after ARGV[6] seconds without a counted report. Once crossed, it is kept until an editor acts.
if crossed == 1 then
  redis.call('PERSIST', image)
elseif counted == 1 and state == 'visible' and redis.call('HEXISTS', image, 'g') == 0 then
  redis.call('EXPIRE', image, ARGV[6])
end
return {counted, count, state, redis.call('HGET', image, 'g') or '0', crossed}
