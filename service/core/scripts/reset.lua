-- Restore an image: count and reasons to zero, visible again, generation bumped (so queued hides
-- become stale), all in one step so a racing report lands wholly before or wholly after it.
-- Dismissed reporters keep their fields and so cannot count again, unless asked to forget them.
-- The image URL is forgotten too: the next crossing's placeholder shows what its reporters saw.
-- The restore goes into the outbox for its webhook; the placeholder of the old hide is dropped.
-- A reset image is never forgotten by the sweep (it has a generation): its dismissed reporters stay dismissed.
-- With the verdict 'disagree', each site account counted in this generation gets one 'disagreed'
-- (once per generation, see prelude.lua) and the image is restored: for ARGV[13] ms a crossing puts it
-- in review instead of hiding it (field 'rg', kept across resets; `guarded` in prelude.lua); 'ignore'
-- teaches nothing and sets no guard: it takes back a verdict given in this generation (a confirm it
-- undoes), as the last verdict of a generation is the one that teaches. A `disagree` reset of a registered image also keeps its hash as
-- known fine (KEYS[16], id -> hash, quality and the hashes of it turned and mirrored; its version
-- KEYS[18] bumped for workers): matching never hides an image within the match distance of it, nor
-- of it turned or mirrored, and such an image's own crossing goes to review (`guarded`).
-- KEYS: image hash, reported index, pending index, hidden index, audit stream, outbox, placeholder, stats hash,
--       comments list (the comments of dismissed reports go with them), review index, (then
--       match_reset.lua's four), registered hashes, known-fine hashes, marks near them, their version
-- ARGV: image id, forget reporters ('1' or '0'), actor, note, audit max length, verdict, record lifetime ms
--       (then match_reset.lua's five), restore guard ms, record prefix, group prefix
local image, reported, pending, hidden, audit, outbox = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local stats = KEYS[8]
local id, forget = ARGV[1], ARGV[2] == '1'

local taught = give_verdict(image, ARGV[6] == 'disagree' and 'd' or '', tonumber(ARGV[7]))
local disagreed = ARGV[6] == 'disagree' and taught or 0
if ARGV[6] == 'disagree' then  -- the site accounts overturned together count as one from now on
  local generation, records = redis.call('HGET', image, 'g') or '0', {}
  for _, value in ipairs(redis.call('HVALS', image)) do
    local counted_in, record = reporter_value(value)
    if counted_in == generation and record ~= '' then records[#records + 1] = record end
  end
  link_overturned(records, ARGV[14], ARGV[15], tonumber(ARGV[7]))
end
local was_hidden = redis.call('ZREM', hidden, id)
local was_in_review = redis.call('ZREM', KEYS[10], id)
redis.call('ZREM', pending, id)
redis.call('ZREM', reported, id)
local previous = tonumber(redis.call('HGET', image, 'n') or '0')
for _, field in ipairs(redis.call('HKEYS', image)) do
  local reporter = string.sub(field, 1, 1) == '@'
  if (reporter and forget) or (not reporter and field ~= 'g' and field ~= 'rg') then
    redis.call('HDEL', image, field)
  end
end
local generation = redis.call('HINCRBY', image, 'g', 1)
redis.call('DEL', KEYS[7], KEYS[9])
local now = now_ms()
if ARGV[6] == 'disagree' then
  local guard = tonumber(ARGV[13])
  if guard > 0 then redis.call('HSET', image, 'rg', string.format('%.0f', tonumber(now) + guard)) else redis.call('HDEL', image, 'rg') end
  local registered = redis.call('HGET', KEYS[15], id)
  if registered then
    redis.call('HSET', KEYS[16], id, string.sub(registered, 1, 33) .. string.sub(registered, 38))
    redis.call('INCR', KEYS[18])
  end
end
local event = 'restored|' .. generation .. '|' .. now .. '|' .. id
redis.call('ZADD', outbox, now, event)
redis.call('HINCRBY', stats, 'resets', 1)
local detail = cjson.encode({previous_count = previous, was_hidden = was_hidden == 1,
                             was_in_review = was_in_review == 1, forget_reporters = forget, note = ARGV[4],
                             verdict = ARGV[6], disagreed_reporters = disagreed})
audit_event(audit, ARGV[5], id, ARGV[3], 'reset', detail)
return {generation, event}
