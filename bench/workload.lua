-- wrk script for people-api workloads; WORKLOAD picks one:
--   create   POST a valid person with a unique email       (expects 201)
--   invalid  POST a person that breaks every rule          (expects 422)
--   get      GET /api/people/{id} of ids from IDS_FILE     (expects 200)
--   list     GET /api/people, the first page               (expects 200)
--   ceiling  GET the control path                          (expects 201)
--   mixed    create, invalid, get and list in turn         (expects each one's status)
local workload = os.getenv("WORKLOAD") or "create"
local expected = ({ create = 201, invalid = 422, get = 200, list = 200, ceiling = 201 })[workload]
local cycle = { "create", "invalid", "get", "list" }
local current = workload
local threads = {}
local counter = 0
local ids = {}
local prefix = os.getenv("RUN_ID") or tostring(os.time())
-- Reads are for operators: the token bench.py made for this run.
local operator = { ["Authorization"] = "Bearer " .. (os.getenv("OPERATOR_TOKEN") or "") }

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  unexpected = 0
  counter = 0
  if workload == "get" or workload == "mixed" then
    for line in io.lines(os.getenv("IDS_FILE")) do table.insert(ids, line) end
  end
end

function request()
  counter = counter + 1
  current = workload
  if workload == "mixed" then current = cycle[(counter % 4) + 1] end
  if current == "create" then
    local body = string.format('{"name":"Bench Person","email":"b-%s-%d-%d@example.com","age":36}', prefix, id, counter)
    return wrk.format("POST", "/api/people", { ["Content-Type"] = "application/json" }, body)
  elseif current == "invalid" then
    return wrk.format("POST", "/api/people", { ["Content-Type"] = "application/json" },
      '{"name":" ","email":"not-an-email","age":200}')
  elseif current == "get" then
    return wrk.format("GET", "/api/people/" .. ids[(counter % #ids) + 1], operator)
  elseif current == "list" then
    return wrk.format("GET", "/api/people", operator)
  else
    return wrk.format("GET", os.getenv("CEILING_PATH") or "/")
  end
end

-- wrk pipelines nothing here, so responses arrive in request order per connection;
-- with several connections per thread the order is not known, so mixed runs only
-- count statuses outside the four expected ones.
function response(status, headers, body)
  if workload == "mixed" then
    if status ~= 201 and status ~= 422 and status ~= 200 then unexpected = unexpected + 1 end
  elseif status ~= expected then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("unexpected") end
  io.write(string.format("UNEXPECTED %d\n", total))
  io.write(string.format("P50_US %d\nP99_US %d\n", latency:percentile(50), latency:percentile(99)))
  io.write(string.format("REQUESTS %d\nERRORS %d\n", summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
