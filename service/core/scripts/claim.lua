-- The reconciler claims crossings whose hide is overdue: still pending, crossed more than the grace
-- period ago, and past the back-off of any earlier re-enqueue. Atomic, so that with many workers
-- each overdue crossing is handed out once per back-off.
-- KEYS: pending index, then one image hash per id
-- ARGV: grace ms, max back-off doublings, then the image ids
local pending = KEYS[1]
local grace, doublings = tonumber(ARGV[1]), tonumber(ARGV[2])
local now = tonumber(now_ms())
local claimed = {}
for i = 3, #ARGV do
  local id, image = ARGV[i], KEYS[i - 1]
  local crossed_at = redis.call('ZSCORE', pending, id)
  if crossed_at and tonumber(crossed_at) <= now - grace
      and tonumber(redis.call('HGET', image, 'q') or '0') <= now then
    -- q: when this crossing may be re-enqueued next; k: how many times it was.
    local tries = redis.call('HINCRBY', image, 'k', 1)
    redis.call('HSET', image, 'q', string.format('%.0f', now + grace * 2 ^ math.min(tries - 1, doublings)))
    claimed[#claimed + 1] = id
    claimed[#claimed + 1] = redis.call('HGET', image, 'g') or '0'
  end
end
return claimed
