-- Keep the hash log from growing forever (every registration and every forgetting appends to it):
-- drop its oldest entries beyond max(the number of hashes, ARGV[1]). A worker further behind than
-- that would read more of the log than there are hashes: it loads the hashes afresh instead
-- (read_hash_log.lua tells it), which costs it no more. The base counts what was dropped.
-- KEYS: hash log, log base, hashes; ARGV: entries kept at least. Returns how many were dropped.
local log, base, hashes = KEYS[1], KEYS[2], KEYS[3]
local excess = redis.call('LLEN', log) - math.max(redis.call('HLEN', hashes), tonumber(ARGV[1]))
if excess <= 0 then return 0 end
redis.call('LTRIM', log, excess, -1)
redis.call('INCRBY', base, excess)
return excess
