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
local function give_verdict(image, counter, ttl_ms)
  local generation = redis.call('HGET', image, 'g') or '0'
  if redis.call('HGET', image, 'vg') == generation then return 0 end
  redis.call('HSET', image, 'vg', generation)
  local judged, now = 0, now_ms()
  local fields = redis.call('HGETALL', image)
  for i = 1, #fields, 2 do
    if string.sub(fields[i], 1, 1) == '@' then
      local counted_in, record = string.match(fields[i + 1], '^([^|]*)|[^|]*|(.*)$')
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
