-- Check the reporter's rate limits, count one report with its weight and, when it is the one that
-- reaches the threshold, mark the image pending or put it before editors (`due` in prelude.lua).
-- Atomic, so that exactly one report per crossing returns crossed = 1 and enqueues the hide, and a
-- report refused by a limit changes nothing at all.
-- KEYS: image hash, reported index, pending index, hidden index, protected index, comments list,
--       review index, the reporter's record (a site account's verdicts; unused for anonymous
--       readers), audit stream, outbox, known-fine hashes, marks near them, then one counter per
--       rate-limit window (none when the report is not limited)
-- ARGV: image id, reporter field, reason field, image url or '', threshold, comment or '',
--       base weight, '1' for a review reason, record lifetime in ms ('0': no record),
--       audit max length, article url or '', then per window its allowed reports and its length in seconds
local image, reported, pending, hidden, protected = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local comments, review, record, audit, outbox = KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local fine, near = KEYS[11], KEYS[12]
local WINDOWS = 13  -- the first rate-limit window's key
local id, threshold = ARGV[1], ARGV[5]
local for_review, record_ttl = ARGV[8] == '1', tonumber(ARGV[9])
local KEPT_COMMENTS = 20

-- Fixed windows, as flask-limiter's default strategy: a counter that expires with its window.
for i = WINDOWS, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[2 * (i - WINDOWS) + 12]) then
    return {'limited', i - WINDOWS, redis.call('PTTL', KEYS[i])}
  end
end
for i = WINDOWS, #KEYS do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('EXPIRE', KEYS[i], ARGV[2 * (i - WINDOWS) + 13]) end
end

local generation = redis.call('HGET', image, 'g') or '0'
-- A weight is fixed when the report is counted. A site account's is its base weight scaled by its
-- record: 2(a+1)/(a+d+2) between 0.2 and 2 (1 with no history); an anonymous reader has none.
local weight = tonumber(ARGV[7])
local now = now_ms()
local group  -- a site account overturned together with others (link_overturned in prelude.lua)
if record_ttl > 0 then
  local verdicts = redis.call('HMGET', record, 'a', 'd', 'gr')
  local agreed, disagreed = tonumber(verdicts[1] or '0'), tonumber(verdicts[2] or '0')
  weight = weight * math.min(2, math.max(0.2, 2 * (agreed + 1) / (agreed + disagreed + 2)))
  group = verdicts[3]
end

-- The reporter's field stays after a reset, so dismissed reporters never count twice. Its value:
-- the generation it was counted in, then '|weight' unless 1, then '|record key' for a site account,
-- then '|1' for a site account counted while the image is hidden or in review: it earns no `agreed`
-- (reporter_value and give_verdict in prelude.lua). Most reporters are anonymous readers of weight 1
-- in generation 0: the value '0' is one byte of listpack, where '0|1|' was four (BENCHMARKS.md).
local value = generation
if weight ~= 1 or record_ttl > 0 then value = value .. '|' .. string.format('%.6g', weight) end
if record_ttl > 0 then
  value = value .. '|' .. record
  if redis.call('ZSCORE', hidden, id) or redis.call('ZSCORE', review, id) then value = value .. '|1' end
end
local counted = redis.call('HSETNX', image, ARGV[2], value)
local count
if counted == 1 then
  count = redis.call('HINCRBY', image, 'n', 1)
  -- A group overturned together counts as one reporter, its heaviest member: field '=<group>' holds the
  -- heaviest weight of its members counted in this generation (a reset drops it), and a member adds
  -- only what it weighs beyond it. report_count stays the distinct reporters.
  local added = weight
  if group then
    local heaviest = tonumber(redis.call('HGET', image, '=' .. group) or '-1')
    if heaviest >= 0 then added = math.max(0, weight - heaviest) end
    if weight > heaviest then redis.call('HSET', image, '=' .. group, string.format('%.17g', weight)) end
    redis.call('PEXPIRE', group, record_ttl)  -- the group lives as long as its members do
  end
  -- The score adds the weight at full precision: six digits, as stored above, would leave nine reporters
  -- of weight 1/3 short of 3 by more than reached()'s tolerance.
  if added > 0 then redis.call('HINCRBYFLOAT', image, for_review and 'v' or 's', string.format('%.17g', added)) end
  redis.call('HINCRBY', image, ARGV[3], 1)
  -- 'l' (last report) is written from the second report on and read as 'f' until then: most
  -- images are reported once, and the field would take them into a larger allocation.
  if redis.call('HSETNX', image, 'f', now) == 0 then redis.call('HSET', image, 'l', now) end
  if ARGV[4] ~= '' then redis.call('HSETNX', image, 'u', ARGV[4]) end
  if ARGV[11] ~= '' then redis.call('HSETNX', image, 'a', ARGV[11]) end  -- the article: a reader's claim too
  -- Only a counted report's comment is kept, without any identity: a repeat cannot flood the list.
  if ARGV[6] ~= '' then
    redis.call('LPUSH', comments, cjson.encode({at = tonumber(now), reason = string.sub(ARGV[3], 3), text = ARGV[6]}))
    redis.call('LTRIM', comments, 0, KEPT_COMMENTS - 1)
  end
  redis.call('ZADD', reported, count, id)
  if record_ttl > 0 then
    redis.call('HSET', record, 't', now)
    redis.call('PEXPIRE', record, record_ttl)
  end
else
  count = tonumber(redis.call('HGET', image, 'n') or '0')
end

local state = 'visible'
local crossed, event = 0, ''
if redis.call('ZSCORE', hidden, id) then
  state = 'hidden'
elseif redis.call('ZSCORE', pending, id) then
  state = 'pending'
elseif redis.call('ZSCORE', review, id) then
  state = 'review'  -- one review per generation: further reports add to the scores, nothing more...
  -- ...but one put before editors by a notice of illegal content (field 'nt') can still be hidden by
  -- the threshold: a notice never decides anything by itself, nor keeps readers from deciding.
  if counted == 1 and redis.call('HEXISTS', image, 'nt') == 1
      and due(image, protected, id, threshold, fine, near) == 'pending' then
    redis.call('ZADD', pending, now, id)
    state, crossed = 'pending', 1
  end
elseif counted == 1 then
  local call_for = due(image, protected, id, threshold, fine, near)
  if call_for == 'pending' then
    redis.call('ZADD', pending, now, id)
    state, crossed = 'pending', 1
  elseif call_for == 'review' then
    event = request_review(image, review, audit, outbox, id, 'system', ARGV[10],
                           {score = tonumber(redis.call('HGET', image, 's') or '0'),
                            review_score = tonumber(redis.call('HGET', image, 'v') or '0'), brake = false})
    state = 'review'
  end
end
return {counted, count, state, generation, crossed, event}
