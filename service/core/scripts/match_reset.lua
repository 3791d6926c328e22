-- Runs after reset.lua, in the same script (store/scripts.py wraps reset.lua as the function reset_body),
-- so that a reset and what it means for matching are one step (contract v2):
-- * a copy hidden by matching is released from its source: never matched to it again;
-- * a source's copies still hidden by matching it are restored (visible, generation bumped, placeholder
--   dropped, a `reset` event by `system` and a restore in the outbox for its webhook). A copy an
--   editor confirmed or hid is no longer among them (editor_hide in prelude.lua). A restored copy
--   whose own scores call for it is then a crossing of its own (`due` in prelude.lua): pending
--   (returned as 'crossed|<generation>|<id>' for its hide job) or before editors. When the reset
--   kept the source as known fine (a `disagree` verdict), each copy restored with it is marked near
--   it (KEYS[17]): the same photo, so its crossings go to review too.
-- A known-fine source is returned as 'fine|<id>' (its match job marks the other registered images near it).
-- Copies' keys are named by data (their ids are only known here): fine on one Redis server and its
-- replicas, not on a Cluster, as in give_verdict.
-- KEYS (after reset.lua's ten): matched-from hash, this image's released sources (set), this image's
--       copies (sorted set by distance), protected index, (reset.lua's registered hashes), known-fine
--       hashes, marks near them, (their version)
-- ARGV (after reset.lua's seven): image-hash prefix, placeholder prefix, released-set prefix,
--       copies-set prefix, threshold
-- Returns reset.lua's reply followed by the outbox entries of the copies restored (and of their
-- review requests) and their crossings.
local reply = reset_body()
do
  local id, pending, hidden, audit, outbox, stats = ARGV[1], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[8]
  local review, matched_from, released, copies, protected = KEYS[10], KEYS[11], KEYS[12], KEYS[13], KEYS[14]
  local fine, near = KEYS[16], KEYS[17]
  local known_fine = ARGV[6] == 'disagree' and redis.call('HEXISTS', fine, id) == 1
  if known_fine then reply[#reply + 1] = 'fine|' .. id end
  local source = redis.call('HGET', matched_from, id)
  if source then
    redis.call('HDEL', matched_from, id)
    redis.call('SADD', released, source)
    redis.call('ZREM', ARGV[11] .. source, id)
  end
  for _, copy in ipairs(redis.call('ZRANGE', copies, 0, -1)) do
    local image = ARGV[8] .. copy
    if redis.call('HGET', matched_from, copy) == id then
      redis.call('HDEL', matched_from, copy)
      if redis.call('ZREM', hidden, copy) == 1 then
        redis.call('HDEL', image, 'hb')
        local generation = redis.call('HINCRBY', image, 'g', 1)
        redis.call('DEL', ARGV[9] .. copy)
        local now = now_ms()
        local event = 'restored|' .. generation .. '|' .. now .. '|' .. copy
        redis.call('ZADD', outbox, now, event)
        reply[#reply + 1] = event
        redis.call('HINCRBY', stats, 'resets', 1)
        audit_event(audit, ARGV[5], copy, 'system', 'reset',
                    cjson.encode({source_reset = id, note = 'restored with its source'}))
        if known_fine then redis.call('HSET', near, copy, id) end
        local call_for = due(image, protected, copy, ARGV[12], fine, near)
        if call_for == 'pending' then
          redis.call('ZADD', pending, now, copy)
          reply[#reply + 1] = 'crossed|' .. generation .. '|' .. copy
        elseif call_for == 'review' then
          local requested = request_review(image, review, audit, outbox, copy, 'system', ARGV[5],
              {score = tonumber(redis.call('HGET', image, 's') or '0'),
               review_score = tonumber(redis.call('HGET', image, 'v') or '0'), brake = false})
          if requested ~= '' then reply[#reply + 1] = requested end
        end
      end
    end
  end
  redis.call('DEL', copies)
end
return reply
