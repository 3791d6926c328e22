-- Drop reported-index entries whose image hash has expired (an image that never crossed, forgotten
-- after its TTL). Checked here rather than by the caller, so a report that recreates the hash in
-- between keeps its entry.
-- KEYS: reported index, then one image hash per id
-- ARGV: the image ids
local pruned = 0
for i = 1, #ARGV do
  if redis.call('EXISTS', KEYS[i + 1]) == 0 then
    pruned = pruned + redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
return pruned
