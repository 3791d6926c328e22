-- POST /v1/reports as an anonymous reader (the widget's report, no account), each from a reader address
-- of its own (X-Forwarded-For behind one trusted proxy): the request a notice is compared with.
-- args: pool size, run nonce
local headers, pool, nonce
local sent = 0

function init(args)
  headers = {["Content-Type"] = "application/json"}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  pool, nonce = tonumber(args[1]), args[2]
  math.randomseed(os.time() + 7919 * thread_number)
end

function request()
  sent = sent + 1
  headers["X-Forwarded-For"] = string.format("10.%d.%d.%d", thread_number % 256, math.floor(sent / 256) % 256,
                                             sent % 256)
  local body = string.format('{"image_id":"news-%s-%d.hero","reason":"hate"}', nonce, math.random(0, pool - 1))
  return wrk.format("POST", "/v1/reports", headers, body)
end
