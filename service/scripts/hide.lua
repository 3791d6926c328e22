-- The worker's half of a crossing: pending -> hidden, once, and only for the generation that crossed.
-- A reset bumps the generation, so a job queued before it finds a stale generation and does nothing.
-- Returns the outbox entry of the hide (its follow-ups: placeholder, webhook), or 0.
-- KEYS: image hash, pending index, hidden index, protected index, audit stream, outbox, stats hash
-- ARGV: image id, generation, actor, audit max length
local image, pending, hidden, protected, audit, outbox = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local stats = KEYS[7]
local id = ARGV[1]

if (redis.call('HGET', image, 'g') or '0') ~= ARGV[2] then return 0 end
if redis.call('ZSCORE', protected, id) then return 0 end  -- protecting already cancelled the crossing
if redis.call('ZREM', pending, id) == 0 then return 0 end
redis.call('HDEL', image, 'k', 'q')  -- the reconciler's claim on the crossing ends with it

local now = now_ms()
redis.call('ZADD', hidden, now, id)
redis.call('HINCRBY', stats, 'hides:auto', 1)
local detail = cjson.encode({report_count = tonumber(redis.call('HGET', image, 'n') or '0'),
                             generation = tonumber(ARGV[2])})
redis.call('XADD', audit, 'MAXLEN', '~', ARGV[4], '*',
           'type', 'hidden', 'image_id', id, 'actor', ARGV[3], 'detail', detail)
local event = 'hidden|' .. ARGV[2] .. '|' .. now .. '|' .. id
redis.call('ZADD', outbox, now, event)
return event
