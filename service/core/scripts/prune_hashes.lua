-- Forget registrations past their retention (IMGMOD_MATCH_RETENTION_DAYS): the hash and URL of each
-- image given, and the sources a reset released it from (a registration is forgotten whole), unless
-- it is hidden (a source goes on hiding new copies; a hidden copy keeps its detail) or its hash
-- changed since the caller read it (registered again meanwhile). Each image forgotten is logged
-- again, so that workers' in-memory indexes drop it too. The released sets' keys are named by data,
-- as in match_reset.lua.
-- KEYS: hashes, URLs, hash log, hidden index, marks near known-fine photos; ARGV: released-set prefix, then pairs of image id and
--       the hash value read
local hashes, urls, log, hidden = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local pruned = 0
for i = 2, #ARGV, 2 do
  local id = ARGV[i]
  if redis.call('HGET', hashes, id) == ARGV[i + 1] and not redis.call('ZSCORE', hidden, id) then
    redis.call('HDEL', hashes, id)
    redis.call('HDEL', urls, id)
    redis.call('HDEL', KEYS[5], id)
    redis.call('DEL', ARGV[1] .. id)
    redis.call('RPUSH', log, id)
    pruned = pruned + 1
  end
end
return pruned
