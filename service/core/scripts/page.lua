-- One page of an index, highest score first, starting strictly after the cursor (score, member).
-- Ties are ordered by member bytes, descending, as Redis itself orders them; the cursor is found
-- by binary search within its tie group, so paging is exact and O(log n) however many ties.
-- KEYS: index; ARGV: limit, cursor score ('' for the first page), cursor member
local index, limit = KEYS[1], tonumber(ARGV[1])

-- Byte order, like Redis's own; Lua's '<' follows the server's locale.
local function below(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

local start = 0
if ARGV[2] ~= '' then
  local score, member = ARGV[2], ARGV[3]
  local lo = redis.call('ZCOUNT', index, '(' .. score, '+inf')
  local hi = lo + redis.call('ZCOUNT', index, score, score)
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if below(redis.call('ZREVRANGE', index, mid, mid)[1], member) then hi = mid else lo = mid + 1 end
  end
  start = lo
end
return redis.call('ZREVRANGE', index, start, start + limit - 1, 'WITHSCORES')
