-- An admin action asked with an Idempotency-Key: appended to the action's script, whose body is the
-- function `action` (service/core/store/scripts.py builds the text), so that the key is recorded in
-- the same step as the action. A retry after a 503 (a late reply, too few replica acknowledgements) finds the key and
-- changes nothing. The key is looked up before `precondition` (if_match.lua, or none): a retry of an
-- action that was applied answers as the first did, and a refused action records no key.
-- KEYS: the action's own, then the key's record (a keyed hash of the admin and the key)
-- ARGV: the action's own, then what was asked (method, path, body: the fingerprint), record lifetime ms
-- Returns {'repeat', record} when the key was used already, {'changed', tag} when the precondition
-- refused, else {'done', the action's reply}.
local record = KEYS[#KEYS]
local recorded = redis.call('GET', record)
if recorded then return {'repeat', recorded} end
local refused = precondition()
if refused then return refused end
local reply = action()
redis.call('SET', record, ARGV[#ARGV - 1], 'PX', ARGV[#ARGV])
return {'done', reply}
