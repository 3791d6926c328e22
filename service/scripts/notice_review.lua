-- A notice of illegal content names an image: it goes before editors (review, once per generation,
-- with the notice in the audit event), unless it is hidden already or its own crossing is pending.
-- The notice is attached to the image (field 'nt', until a reset), so that the threshold can still
-- hide it while it waits in review (report.lua).
-- KEYS: image hash, hidden index, pending index, review index, audit stream, outbox
-- ARGV: image id, notice reference, audit max length
-- Returns the review request's outbox entry, or ''.
local image, hidden, pending, review, audit, outbox = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local id, reference = ARGV[1], ARGV[2]

if redis.call('ZSCORE', hidden, id) then return '' end
redis.call('HSET', image, 'nt', reference)
if redis.call('ZSCORE', pending, id) then return '' end
return request_review(image, review, audit, outbox, id, 'system', ARGV[3],
                      {notice = reference, score = tonumber(redis.call('HGET', image, 's') or '0'),
                       review_score = tonumber(redis.call('HGET', image, 'v') or '0'), brake = false})
