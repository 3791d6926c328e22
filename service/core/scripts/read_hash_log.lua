-- Read the hash log from a worker's position, which counts every entry ever logged: entries trimmed
-- off its head (trim_hash_log.lua) are counted by the base, so the read and the base it depends on
-- must be one step, or a trim in between would shift what the worker reads.
-- KEYS: hash log, log base, the hashes' epoch; ARGV: position, how many entries at most
-- Returns {epoch, base, length, entries...}: no entries when the position is not inside the log (trimmed
-- past, or ahead of a log that Redis lost): the caller then loads every hash afresh.
local base = tonumber(redis.call('GET', KEYS[2]) or '0')
local length = redis.call('LLEN', KEYS[1])
local start = tonumber(ARGV[1]) - base
local epoch = redis.call('GET', KEYS[3]) or ''
if start < 0 or start > length then return {epoch, base, length} end
local entries = redis.call('LRANGE', KEYS[1], start, start + tonumber(ARGV[2]) - 1)
table.insert(entries, 1, length)
table.insert(entries, 1, base)
table.insert(entries, 1, epoch)
return entries
