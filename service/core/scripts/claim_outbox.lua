-- Recovery claims outbox entries that nobody dispatched within the lease: each entry goes to one
-- caller per lease (its score moves to now), so workers recovering at once never queue twice, and
-- "how old" is judged by Redis's clock alone, never a host's.
-- KEYS: outbox; ARGV: lease ms, how many at most
local now = tonumber(now_ms())
local entries = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]), 'LIMIT', 0, tonumber(ARGV[2]))
for _, entry in ipairs(entries) do
  redis.call('ZADD', KEYS[1], 'XX', now, entry)
end
return entries
