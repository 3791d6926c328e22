-- Hide a copy because it matches a hidden source (contract v2, "Same picture elsewhere"), at most
-- once: the worker that found the match decided on hashes; everything that makes the hide right or
-- wrong is checked here, in the same step as the write, so that workers racing on the same pair (a
-- registration and a source's hide at once) give one hide, one `matched` event, one outbox entry.
-- The source must be hidden and not itself a copy; the copy must be neither the source, hidden,
-- protected, released from this source by a reset, nor a photo editors judged fine (`guarded` in
-- prelude.lua: restored, known fine or marked near a known-fine photo).
-- A hide by matching is automatic: it counts toward the brake and, while the brake holds, the copy goes
-- to editors (review, once per generation) instead.
-- Returns the outbox entry 'hidden:match|<generation>|<ms>|<copy>|<source>' (or a review request's), or 0.
-- KEYS: copy's image hash, hidden index, pending index, protected index, review index, audit stream,
--       outbox, stats hash, matched-from hash, the copy's released sources (set), the source's copies (sorted
--       set, scored by distance: the console lists them nearest first), registered URLs (hash),
--       automatic hides of the last hour (sorted set), known-fine hashes, marks near them
-- ARGV: copy id, source id, distance, audit max length, brake (automatic hides per hour, 0 = off)
local image, hidden, pending, protected, review = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local audit, outbox, stats, matched_from, released, copies = KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11]
local urls, recent = KEYS[12], KEYS[13]
local copy, source = ARGV[1], ARGV[2]

if copy == source then return 0 end
if not redis.call('ZSCORE', hidden, source) or redis.call('HEXISTS', matched_from, source) == 1 then return 0 end
if redis.call('ZSCORE', hidden, copy) or redis.call('ZSCORE', protected, copy) then return 0 end
if redis.call('SISMEMBER', released, source) == 1 then return 0 end
if guarded(image, copy, KEYS[14], KEYS[15]) then return 0 end

local now = now_ms()
local generation = redis.call('HGET', image, 'g') or '0'
if braked(recent, tonumber(ARGV[5]), now, generation .. '|' .. copy) then
  redis.call('HINCRBY', stats, 'braked', 1)
  redis.call('ZREM', pending, copy)
  redis.call('HDEL', image, 'k', 'q')
  local event = request_review(image, review, audit, outbox, copy, 'system', ARGV[4],
                               {source = source, distance = tonumber(ARGV[3]), brake = true})
  return event ~= '' and event or 0
end
-- A crossing of its own, pending, ends here: should the source be reset, match_reset.lua asks the
-- copy's scores again, so that crossing is never lost.
redis.call('ZREM', pending, copy)
redis.call('ZREM', review, copy)
redis.call('HDEL', image, 'k', 'q')
redis.call('ZADD', hidden, now, copy)
redis.call('HSET', image, 'hb', 'match')
redis.call('HSET', matched_from, copy, source)
redis.call('ZADD', copies, tonumber(ARGV[3]), copy)
redis.call('HINCRBY', stats, 'hides:matched', 1)
audit_event(audit, ARGV[4], copy, 'system', 'matched',
            cjson.encode({source = source, distance = tonumber(ARGV[3]),
                          -- the URLs whose bytes were hashed: what the site registered, never a reader's
                          source_url = redis.call('HGET', urls, source) or cjson.null,
                          copy_url = redis.call('HGET', urls, copy) or cjson.null}))
local event = 'hidden:match|' .. generation .. '|' .. now .. '|' .. copy .. '|' .. source
redis.call('ZADD', outbox, now, event)
return event
