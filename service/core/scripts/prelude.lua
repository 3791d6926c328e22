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

-- Whether editors' word that the photo is fine still holds for an image: the restore
-- guard of a `disagree` reset ('rg', restored until, ms), or a known-fine photo: the image's own
-- registered hash kept as fine (`fine`, id -> hash), or a worker's mark that its hash is within the
-- match distance of one (`near`, id -> the fine image's id; a mark whose fine image was since
-- confirmed no longer holds). `fine` and `near` may be nil (the restore guard alone).
local function guarded(image, id, fine, near)
  local until_ms = redis.call('HGET', image, 'rg')
  if until_ms and tonumber(until_ms) > tonumber(now_ms()) then return true end
  if fine then
    if redis.call('HEXISTS', fine, id) == 1 then return true end
    local mark = redis.call('HGET', near, id)
    if mark and redis.call('HEXISTS', fine, mark) == 1 then return true end
  end
  return false
end

-- What an image's scores call for, asked when it is neither hidden, pending nor in review (one review
-- per generation: while in review, reports add to the scores and call for nothing more):
-- 'pending' when its score reaches the threshold and it is not protected (a worker then hides it,
-- or sends it to review if the brake holds); 'review' when its review score does (protected or
-- not: protection stops hiding, not review), or when neither does alone but their sum does
-- (honest readers of a bad photo who chose different reasons are never left unheard), or when its
-- score does but editors judged the photo fine (`guarded`: reports never hide it again by
-- themselves); else nil. Scores: `s` from reasons that hide, `v` from review reasons.
local function due(image, protected, id, threshold, fine, near)
  local score = tonumber(redis.call('HGET', image, 's') or '0')
  local hides = reached(score, threshold)
  if hides and not redis.call('ZSCORE', protected, id) then
    if guarded(image, id, fine, near) then return 'review' end
    return 'pending'
  end
  local review_score = tonumber(redis.call('HGET', image, 'v') or '0')
  if reached(review_score, threshold) or (not hides and reached(score + review_score, threshold)) then
    return 'review'
  end
  return nil
end

-- One audit event (`detail` JSON-encoded): appended to the stream, trimmed to about `audit_max`
-- entries, and its entry id to the image's own index (`<stream>:<image id>`, the newest 200, kept a
-- year after its last event), so that an image's history is read without scanning the stream.
local function audit_event(audit, audit_max, id, actor, kind, detail)
  local entry = redis.call('XADD', audit, 'MAXLEN', '~', audit_max, '*', 'type', kind, 'image_id', id,
                           'actor', actor, 'detail', detail)
  local index = audit .. ':' .. id  -- a key named by data, as in give_verdict
  redis.call('LPUSH', index, entry)
  redis.call('LTRIM', index, 0, 199)
  redis.call('PEXPIRE', index, 31536000000)
  return entry
end

-- Put an image before editors, once per generation: the review index, one `review` audit event and
-- an outbox entry for its webhook. Returns the entry, or '' when it was in review already.
local function request_review(image, review, audit, outbox, id, actor, audit_max, detail)
  local now = now_ms()
  if redis.call('ZADD', review, 'NX', now, id) == 0 then return '' end
  audit_event(audit, audit_max, id, actor, 'review', cjson.encode(detail))
  local event = 'review_requested|' .. (redis.call('HGET', image, 'g') or '0') .. '|' .. now .. '|' .. id
  redis.call('ZADD', outbox, now, event)
  return event
end

-- The brake (contract v2): with `brake` > 0 automatic hides (threshold or matching) allowed per hour
-- and that many in the last hour, true: the crossing goes to review instead. Otherwise the hide about
-- to happen is counted among the hour's (`member`, unique per hide).
local function braked(recent, brake, now, member)
  redis.call('ZREMRANGEBYSCORE', recent, '-inf', tonumber(now) - 3600000)
  if brake > 0 and redis.call('ZCARD', recent) >= brake then return true end
  redis.call('ZADD', recent, now, member)
  return false
end

-- A reporter field's value (report.lua): 'generation[|weight[|record key[|1]]]', the last part for a
-- site account counted while the image was hidden or in review. Returns the generation, the record
-- key ('' for an anonymous reader) and whether it was counted that late.
local function reporter_value(value)
  local counted_in, rest = string.match(value, '^([^|]*)(.*)$')
  local record, late = string.match(rest, '^|[^|]*|([^|]*)|?(.*)$')
  return counted_in, record or '', late == '1'
end

-- Editors' verdicts go to the site accounts counted in the image's current generation, once per
-- generation (field 'vg'); `counter` is 'a' (agreed) or 'd' (disagreed). Valid agreement: an
-- `agreed` goes only to the accounts counted before the image was hidden or entered review
-- (reporting photos already hidden earns nothing); a `disagreed` goes to every one of them.
-- The last verdict of a generation is the one that teaches: a confirm then a `disagree` reset of the
-- same generation takes back the `agreed` it gave (field 'vk': the counter given in generation 'vg').
-- `counter` '' is the verdict that teaches nothing (an `ignore` reset): it only takes back what was
-- given, so that a confirm undone by it leaves the records as if it had never been.
-- Returns how many records were updated.
local function give_verdict(image, counter, ttl_ms)
  local generation = redis.call('HGET', image, 'g') or '0'
  -- Without 'vk' (written before it existed) the verdict of the current generation was a confirm:
  -- a reset moves the image to the next generation.
  local given = redis.call('HGET', image, 'vg') == generation and (redis.call('HGET', image, 'vk') or 'a') or nil
  if given == '' then given = nil end
  if given == counter or (given == nil and counter == '') then return 0 end
  redis.call('HSET', image, 'vg', generation, 'vk', counter)
  local judged, now = 0, now_ms()
  local fields = redis.call('HGETALL', image)
  for i = 1, #fields, 2 do
    if string.sub(fields[i], 1, 1) == '@' then
      local counted_in, record, late = reporter_value(fields[i + 1])
      if counted_in == generation and record ~= '' then
        local take_back = given and not (given == 'a' and late)  -- what it was given, it gives back
        local give = counter ~= '' and not (counter == 'a' and late)
        -- Keys named by data, not by KEYS: fine on one Redis server (and its replicas), not on a Cluster.
        if take_back and tonumber(redis.call('HGET', record, given) or '0') > 0 then
          redis.call('HINCRBY', record, given, -1)
        end
        if give then redis.call('HINCRBY', record, counter, 1) end
        if take_back or give then
          redis.call('HSET', record, 't', now)
          redis.call('PEXPIRE', record, ttl_ms)
          judged = judged + 1
        end
      end
    end
  end
  return judged
end

-- Overturned together: the site accounts' records `records` (counted in the generation
-- a `disagree` reset overturns) are linked into one group, merging the groups they were in: each
-- record's field 'gr' names the group, a set (`<group prefix><a member's key without the record
-- prefix>`) of the members' record keys, living as long as its members do. Keyed hashes only: a
-- group links records, never an identity. Keys named by data, as in give_verdict.
local function link_overturned(records, record_prefix, group_prefix, ttl_ms)
  if #records < 2 then return end
  local target, size = nil, -1
  for _, record in ipairs(records) do
    local group = redis.call('HGET', record, 'gr')
    if group then
      local members = redis.call('SCARD', group)
      if members > size then target, size = group, members end
    end
  end
  target = target or (group_prefix .. string.sub(records[1], #record_prefix + 1))
  for _, record in ipairs(records) do
    local group = redis.call('HGET', record, 'gr')
    if group and group ~= target then  -- merged into the target: its members follow
      for _, member in ipairs(redis.call('SMEMBERS', group)) do
        if redis.call('EXISTS', member) == 1 then
          redis.call('HSET', member, 'gr', target)
          redis.call('SADD', target, member)
        end
      end
      redis.call('DEL', group)
    end
    redis.call('HSET', record, 'gr', target)
    redis.call('SADD', target, record)
  end
  redis.call('PEXPIRE', target, ttl_ms)
end

-- An editor's hide (by hand, or by confirming the reports): hidden now whatever the score or
-- protection; a pending automatic hide becomes a no-op because the image leaves the pending index.
-- The image is now hidden by its editor (`hb`), also when it was hidden already: a copy hidden by
-- matching stops being one (its `matched_from` and its place among its source's copies go), so a
-- reset of that source never restores it. `copies_prefix` names the sources' copies sets.
-- An editor's hide lifts the restore guard of an earlier `disagree` reset and the known-fine mark
-- (`fine`, `fine_version`: see guarded).
-- Returns the hide's outbox entry, or 0 when the image was already hidden.
local function editor_hide(image, pending, hidden, review, outbox, stats, id, matched_from, copies_prefix,
                           fine, fine_version)
  redis.call('ZREM', review, id)
  redis.call('HSET', image, 'hb', 'editor')
  -- The editors' word now: the restore guard is lifted, and the photo is no longer known fine (the
  -- marks of images near it stop holding with it; workers reload the fine hashes on the version).
  redis.call('HDEL', image, 'rg')
  if redis.call('HDEL', fine, id) == 1 then redis.call('INCR', fine_version) end
  local source = redis.call('HGET', matched_from, id)
  if source then
    redis.call('HDEL', matched_from, id)
    redis.call('ZREM', copies_prefix .. source, id)  -- a key named by data, as in give_verdict
  end
  if redis.call('ZSCORE', hidden, id) then return 0 end
  local now = now_ms()
  redis.call('ZREM', pending, id)
  redis.call('HDEL', image, 'k', 'q')  -- the reconciler's claim on a crossing ends with it
  redis.call('ZADD', hidden, now, id)
  redis.call('HINCRBY', stats, 'hides:manual', 1)
  local event = 'hidden:editor|' .. (redis.call('HGET', image, 'g') or '0') .. '|' .. now .. '|' .. id
  redis.call('ZADD', outbox, now, event)
  return event
end
