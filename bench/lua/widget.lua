-- The widget's lookups over a page-view mix (bench/widget.py wrote both files): GET /v1/images?id=…
-- for the articles viewed, in the order drawn, with the page's Origin. Each thread walks the views
-- from an offset of its own, so that threads do not ask for the same article at the same moment.
-- args: lookups file (one path a line), views file (line numbers of the first), Origin ("" for none)
local paths, views = {}, {}
local headers = {}
local position

function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  for line in io.lines(args[2]) do views[#views + 1] = tonumber(line) end
  for name, value in pairs(wrk.headers) do headers[name] = value end  -- wrk's -H headers too
  if args[3] and args[3] ~= "" then headers["Origin"] = args[3] end
  math.randomseed(os.time() + 7919 * thread_number)
  position = math.random(1, #views)
end

function request()
  position = position % #views + 1
  return wrk.format("GET", paths[views[position]], headers)
end
