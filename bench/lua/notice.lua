-- POST /v1/notices as anyone may send one (no account): a notice naming one image of a large pool of
-- fresh ids, each from a reader address of its own (X-Forwarded-For behind one trusted proxy), so the
-- per-network limit never trips. args: pool size, run nonce
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
  local number = math.random(0, pool - 1)
  local body = string.format(
    '{"image_ids":["news-%s-%d.hero"],"category":"illegal_or_harmful_speech",' ..
    '"explanation":"The photo shows a banner inciting hatred against a group of people.",' ..
    '"location":"https://news.example.ma/2026/11/article-%d","name":"Bench Notifier",' ..
    '"email":"notifier-%d@example.org","bona_fide":true}', nonce, number, number, sent)
  return wrk.format("POST", "/v1/notices", headers, body)
end
