-- POST /v1/reports as a news site's backend: a new reporter_id on every request (each reporter
-- reports once, so per-reporter limits never trip), images drawn from a large pool of fresh ids.
-- args: frontend key, pool size, run nonce
local headers, pool, nonce
local sent = 0

function init(args)
  headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. args[1]}
  for name, value in pairs(wrk.headers) do headers[name] = value end  -- wrk's -H headers too
  pool, nonce = tonumber(args[2]), args[3]
  math.randomseed(os.time() + 7919 * thread_number)
end

function request()
  sent = sent + 1
  local body = string.format(
    '{"image_id":"news-%s-%d.hero","reason":"spam","reporter_id":"reader-%s-%d-%d"}',
    nonce, math.random(0, pool - 1), nonce, thread_number, sent)
  return wrk.format("POST", "/v1/reports", headers, body)
end
