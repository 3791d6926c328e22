-- Shared prelude (prepended to every script): the server's clock in milliseconds, as an exact string,
-- so that every API process and worker orders events by one clock.
local function now_ms()
  local t = redis.call('TIME')
  return t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000))
end
