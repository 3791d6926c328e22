-- Store a placeholder only if its image is still hidden in the generation whose hide asked for it:
-- a reset during the fetch (or a reset and a new hide) leaves nothing stale behind.
-- KEYS: image hash, hidden index, placeholder
-- ARGV: image id, generation, placeholder bytes
-- Returns 1 if stored, else 0.
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) or (redis.call('HGET', KEYS[1], 'g') or '0') ~= ARGV[2] then
  return 0
end
redis.call('SET', KEYS[3], ARGV[3])
return 1
