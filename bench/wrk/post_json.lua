-- POST a JSON body for `make bench` (bench/run.py passes it in BENCH_BODY).
-- "{n}" in the body becomes a per-thread counter, so created rows are not all identical.
local template = os.getenv("BENCH_BODY") or "{}"
local counter = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
   counter = counter + 1
   local body = template:gsub("{n}", tostring(counter))
   return wrk.format(nil, nil, nil, body)
end
