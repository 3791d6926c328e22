-- Shared prelude (prepended to every script).

-- The server's clock in milliseconds, as an exact string, so that every API process and worker
-- orders events by one clock.
local function now_ms()
  local t = redis.call('TIME')
  return t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000))
end

-- Scores are sums of weights in floating point (0.4 + 0.6 may fall a hair short of 1).
local function reached(score, threshold)
  return tonumber(score or '0') >= tonumber(threshold) - 1e-9
end

-- A counted reporter's field holds '<generation>|<weight>|<record key or empty>' (anonymous readers
-- have no record). Editors' verdicts go to the site accounts counted in the image's current
-- generation, once per generation (field 'vg'); `counter` is 'a' (agreed) or 'd' (disagreed).
-- Returns how many records were updated.
-- A reporter field's value (report.lua): 'generation[|weight[|record key]]'. Returns the generation
-- and the record key ('' for an anonymous reader).
local function reporter_value(value)
  local counted_in, rest = string.match(value, '^([^|]*)(.*)$')
  return counted_in, string.match(rest, '^|[^|]*|(.*)$') or ''
end

local function give_verdict(image, counter, ttl_ms)
  local generation = redis.call('HGET', image, 'g') or '0'
  if redis.call('HGET', image, 'vg') == generation then return 0 end
  redis.call('HSET', image, 'vg', generation)
  local judged, now = 0, now_ms()
  local fields = redis.call('HGETALL', image)
  for i = 1, #fields, 2 do
    if string.sub(fields[i], 1, 1) == '@' then
      local counted_in, record = reporter_value(fields[i + 1])
      if counted_in == generation and record ~= '' then
        -- Keys named by data, not by KEYS: fine on one Redis server (and its replicas), not on a Cluster.
        redis.call('HINCRBY', record, counter, 1)
        redis.call('HSET', record, 't', now)
        redis.call('PEXPIRE', record, ttl_ms)
        judged = judged + 1
      end
    end
  end
  return judged
end

-- An editor's hide (by hand, or by confirming the reports): hidden now whatever the score or
-- protection; a pending automatic hide becomes a no-op because the image leaves the pending index.
-- Returns the hide's outbox entry, or 0 when the image was already hidden.
local function editor_hide(image, pending, hidden, review, outbox, stats, id)
  redis.call('ZREM', review, id)
  if redis.call('ZSCORE', hidden, id) then return 0 end
  local now = now_ms()
  redis.call('ZREM', pending, id)
  redis.call('HDEL', image, 'k', 'q')  -- the reconciler's claim on a crossing ends with it
  redis.call('ZADD', hidden, now, id)
  redis.call('HINCRBY', stats, 'hides:manual', 1)
  local event = 'hidden|' .. (redis.call('HGET', image, 'g') or '0') .. '|' .. now .. '|' .. id
  redis.call('ZADD', outbox, now, event)
  return event
end
