-- A notice of illegal content arrives (DSA Art 16), in one step: it is kept with its status token, joins
-- the editors' queue of notices and each image's list of the notices naming it, and each image it names
-- goes before editors (review, once per generation, with the notice in the audit event) unless it is
-- hidden already or its own crossing is pending. It never hides an image: the notice is attached to the
-- image (field 'nt', until a reset), so that the threshold can still hide it while it waits in review
-- (report.lua). The notifier's name and e-mail live apart, with a deadline (service/core/notice_store.py).
-- KEYS: notice hash, personal hash, token key, received index, all index, deadlines index,
--       hidden index, pending index, review index, audit stream, outbox,
--       then ARGV[7] rate-limit counters, then per image its hash and its index of notices
-- ARGV: reference, personal data deadline (ms), retention (ms), JSON of the notice's fields, name or '',
--       email or '', how many rate-limit counters, audit max length, '1' to write the reviews' outbox
--       entries (they owe a webhook) else '0', then per counter its amount and seconds, then the image ids
-- Returns {'limited', window, ms until it starts afresh}, {'exists'} (the reference is taken), or
-- {'created', arrival ms, the outbox entry of each review it requested...}.
local notice, personal, token, received, all, deadlines = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local hidden, pending, review, audit, outbox = KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11]
local reference, retention = ARGV[1], ARGV[3]
local windows = tonumber(ARGV[7])

for i = 1, windows do
  local counter = KEYS[11 + i]
  if tonumber(redis.call('GET', counter) or '0') >= tonumber(ARGV[8 + 2 * i]) then
    return {'limited', i - 1, redis.call('PTTL', counter)}
  end
end
if redis.call('EXISTS', notice) == 1 then return {'exists'} end
for i = 1, windows do
  local counter = KEYS[11 + i]
  if redis.call('INCR', counter) == 1 then redis.call('EXPIRE', counter, ARGV[9 + 2 * i]) end
end

local now = now_ms()
local fields = {'at', now}
for name, value in pairs(cjson.decode(ARGV[4])) do
  fields[#fields + 1] = name
  fields[#fields + 1] = value
end
redis.call('HSET', notice, unpack(fields))
redis.call('PEXPIRE', notice, retention)
redis.call('SET', token, reference, 'PX', retention)
redis.call('ZADD', received, now, reference)
redis.call('ZADD', all, now, reference)
if ARGV[5] ~= '' or ARGV[6] ~= '' then
  if ARGV[5] ~= '' then redis.call('HSET', personal, 'name', ARGV[5]) end
  if ARGV[6] ~= '' then redis.call('HSET', personal, 'email', ARGV[6]) end
  redis.call('PEXPIRE', personal, ARGV[2])
  redis.call('ZADD', deadlines, now + tonumber(ARGV[2]), reference)
end

local reply = {'created', now}
local first = 10 + 2 * windows
for j = first, #ARGV do
  local id = ARGV[j]
  local image, named = KEYS[12 + windows + 2 * (j - first)], KEYS[13 + windows + 2 * (j - first)]
  redis.call('ZADD', named, now, reference)
  redis.call('PEXPIRE', named, retention)
  if not redis.call('ZSCORE', hidden, id) then
    redis.call('HSET', image, 'nt', reference)
    if not redis.call('ZSCORE', pending, id) then
      local detail = {notice = reference, score = tonumber(redis.call('HGET', image, 's') or '0'),
                      review_score = tonumber(redis.call('HGET', image, 'v') or '0'), brake = false}
      if ARGV[9] == '1' then
        local entry = request_review(image, review, audit, outbox, id, 'system', ARGV[8], detail)
        if entry ~= '' then reply[#reply + 1] = entry end
      elseif redis.call('ZADD', review, 'NX', now, id) == 1 then
        -- No webhook to send: request_review without the outbox entry only a webhook would clear.
        audit_event(audit, ARGV[8], id, 'system', 'review', cjson.encode(detail))
      end
    end
  end
end
return reply
