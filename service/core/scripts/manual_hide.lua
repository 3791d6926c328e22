-- An editor hides an image now, by hand (see editor_hide in prelude.lua); audited either way.
-- Returns the outbox entry of the hide, or 0 when the image was already hidden.
-- KEYS: image hash, pending index, hidden index, audit stream, outbox, stats hash, review index,
--       matched-from hash, known-fine hashes, their version
-- ARGV: image id, actor, audit max length, copies-set prefix
local image, pending, hidden, audit, outbox, stats = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local review = KEYS[7]
local id = ARGV[1]

local event = editor_hide(image, pending, hidden, review, outbox, stats, id, KEYS[8], ARGV[4], KEYS[9], KEYS[10])
audit_event(audit, ARGV[3], id, ARGV[2], 'manual_hide', cjson.encode({already_hidden = event == 0}))
return event
