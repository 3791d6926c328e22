-- The worker's half of a crossing: pending -> hidden, once, and only for the generation that crossed.
-- A reset bumps the generation, so a job queued before it finds a stale generation and does nothing.
-- With the brake on (ARGV[5] > 0) and that many automatic hides in the last hour, the crossing goes
-- to editors (review) instead: a brigade that floods many images waits for people. So does a
-- crossing of a photo editors judged fine since it crossed (`guarded` in prelude.lua: a worker
-- found it near a known-fine photo meanwhile).
-- Returns the outbox entry of the hide or of the review request (follow-ups: placeholder,
-- webhook), or 0.
-- KEYS: image hash, pending index, hidden index, protected index, audit stream, outbox, stats hash,
--       review index, automatic hides of the last hour (sorted set), known-fine hashes, marks near them
-- ARGV: image id, generation, actor, audit max length, brake (automatic hides per hour, 0 = off)
local image, pending, hidden, protected, audit, outbox = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local stats, review, recent = KEYS[7], KEYS[8], KEYS[9]
local id, brake = ARGV[1], tonumber(ARGV[5])

if (redis.call('HGET', image, 'g') or '0') ~= ARGV[2] then return 0 end
if redis.call('ZSCORE', protected, id) then return 0 end  -- protecting already cancelled the crossing
if redis.call('ZREM', pending, id) == 0 then return 0 end
redis.call('HDEL', image, 'k', 'q')  -- the reconciler's claim on the crossing ends with it

local now = now_ms()
if guarded(image, id, KEYS[10], KEYS[11]) then
  local event = request_review(image, review, audit, outbox, id, ARGV[3], ARGV[4],
                               {score = tonumber(redis.call('HGET', image, 's') or '0'), brake = false})
  return event ~= '' and event or 0
end
if braked(recent, brake, now, ARGV[2] .. '|' .. id) then
  redis.call('HINCRBY', stats, 'braked', 1)
  local event = request_review(image, review, audit, outbox, id, ARGV[3], ARGV[4],
                               {score = tonumber(redis.call('HGET', image, 's') or '0'), brake = true})
  return event ~= '' and event or 0
end

redis.call('ZADD', hidden, now, id)
redis.call('ZREM', review, id)
redis.call('HSET', image, 'hb', 'reports')
redis.call('HINCRBY', stats, 'hides:auto', 1)
local detail = cjson.encode({report_count = tonumber(redis.call('HGET', image, 'n') or '0'),
                             score = tonumber(redis.call('HGET', image, 's') or '0'),
                             generation = tonumber(ARGV[2])})
audit_event(audit, ARGV[4], id, ARGV[3], 'hidden', detail)
local event = 'hidden:reports|' .. ARGV[2] .. '|' .. now .. '|' .. id
redis.call('ZADD', outbox, now, event)
return event
