-- The widget's lookups over a page-view mix (bench/widget.py wrote both files): GET /v1/images?id=…
-- for the articles viewed, in the order drawn, with the page's Origin. Each thread walks the views
-- from an offset of its own, so that threads do not ask for the same article at the same moment.
-- Every distinct request is formatted once, in init: per request, wrk only picks one.
-- args: lookups file (one path a line), views file (line numbers of the first), Origin ("" for none)
local requests, views = {}, {}
local position

function init(args)
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end  -- wrk's -H headers too
  if args[3] and args[3] ~= "" then headers["Origin"] = args[3] end
  for line in io.lines(args[1]) do requests[#requests + 1] = wrk.format("GET", line, headers) end
  for line in io.lines(args[2]) do views[#views + 1] = tonumber(line) end
  math.randomseed(os.time() + 7919 * thread_number)
  position = math.random(1, #views)
end

function request()
  position = position % #views + 1
  return requests[views[position]]
end
