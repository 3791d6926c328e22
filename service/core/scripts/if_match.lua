-- An editor's action asked with If-Match: done only while the image is as the editor saw it (its
-- tag, image_tag in service/core/store/scripts.py, computed here from the same fields), so that two
-- editors never silently overwrite each other. Checked in the same step as the action, never before it.
-- The tag changes with the image's state, generation, protection, cause of a hide and verdict;
-- a new report that changes none of these leaves it as it was.
-- KEYS (after the action's own): hidden, pending, review and protected indexes
-- ARGV (after the action's own): the tags the editor holds, space-separated
-- `precondition` returns {'changed', current tag} when the image changed since, else nil.
local function image_tag(image, id, hidden, pending, review, protected)
  local state = redis.call('ZSCORE', hidden, id) and 'hidden' or redis.call('ZSCORE', pending, id) and 'pending'
                or redis.call('ZSCORE', review, id) and 'review' or 'visible'
  local fields = redis.call('HMGET', image, 'g', 'hb', 'vg', 'vk')
  local generation = fields[1] or '0'
  local verdict = (fields[3] == generation) and (fields[4] or 'a') or ''
  local text = table.concat({state, generation, redis.call('ZSCORE', protected, id) and 'p' or '',
                             fields[2] or '', verdict}, '|')
  return string.sub(redis.sha1hex(text), 1, 20)
end

local function precondition()
  local tag = image_tag(KEYS[1], ARGV[1], KEYS[GUARD_KEYS + 1], KEYS[GUARD_KEYS + 2], KEYS[GUARD_KEYS + 3],
                        KEYS[GUARD_KEYS + 4])
  if string.find(' ' .. ARGV[GUARD_ARG] .. ' ', ' ' .. tag .. ' ', 1, true) then return nil end
  return {'changed', tag}
end
