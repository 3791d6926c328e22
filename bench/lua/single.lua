-- GET /v1/images/<id> for ids drawn from the images the bench stored beforehand.
-- args: number of stored images
local stored

function init(args)
  stored = tonumber(args[1])
  math.randomseed(os.time() + 7919 * thread_number)
end

function request()
  return wrk.format("GET", "/v1/images/stored-" .. math.random(0, stored - 1) .. ".hero")
end
