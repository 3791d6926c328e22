-- GET /v1/images?id=…×100 for ids drawn from the images the bench stored beforehand; the URLs
-- are built once, so that Lua string work stays out of the measured loop.
-- args: number of stored images
local urls = {}
local sent = 0

function init(args)
  local stored = tonumber(args[1])
  math.randomseed(os.time() + 7919 * thread_number)
  for u = 1, 256 do
    local ids = {}
    for i = 1, 100 do ids[i] = "id=stored-" .. math.random(0, stored - 1) .. ".hero" end
    urls[u] = "/v1/images?" .. table.concat(ids, "&")
  end
end

function request()
  sent = sent + 1
  return wrk.format("GET", urls[sent % #urls + 1])
end
