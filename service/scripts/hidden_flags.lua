-- Whether each image is hidden, as one string of '1' (hidden) and '0' in the order asked: a single
-- short reply where ZMSCORE answers one score per id, each packed and parsed by redis-py in Python.
-- KEYS: hidden index; ARGV: the image ids joined by newlines (none holds one, none is empty)
local ids = {}
for id in string.gmatch(ARGV[1], '[^\n]+') do ids[#ids + 1] = id end
if #ids == 0 then return '' end
local scores = redis.call('ZMSCORE', KEYS[1], unpack(ids))
for i = 1, #ids do ids[i] = scores[i] and '1' or '0' end
return table.concat(ids)
