-- Editors agree with the reports: one 'agreed' to each site account counted in the current
-- generation (once per generation), and the image hidden now if it is not already (editor_hide in
-- prelude.lua); it stays hidden until a reset.
-- Returns the outbox entry of the hide, or 0 when the image was already hidden.
-- KEYS: image hash, pending index, hidden index, review index, audit stream, outbox, stats hash,
--       matched-from hash, known-fine hashes, their version
-- ARGV: image id, actor, audit max length, record lifetime in ms, note, copies-set prefix
local image, pending, hidden, review, audit, outbox, stats = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local id = ARGV[1]

local agreed = give_verdict(image, 'a', tonumber(ARGV[4]))
local event = editor_hide(image, pending, hidden, review, outbox, stats, id, KEYS[8], ARGV[6], KEYS[9], KEYS[10])
audit_event(audit, ARGV[3], id, ARGV[2], 'confirmed',
            cjson.encode({already_hidden = event == 0, agreed_reporters = agreed, note = ARGV[5]}))
return event
