-- Requests for `make bench` that a plain `wrk URL` cannot send; bench/load.py passes, in the environment:
--   BENCH_METHOD   the method (default POST)
--   BENCH_BODY     the JSON body, "{n}" in it becoming a counter so rows written are not all
--                  identical; unset or empty: no body
--   BENCH_PATH     the path; "{id}" in it becomes the next of BENCH_IDS (comma-separated) in turn,
--                  so concurrent writes land on different rows instead of queueing on one row's lock
--   BENCH_SLOT     the placeholder BENCH_IDS fill in (default "{id}"): "{page}" takes the next page's
--                  query ("?limit=50&cursor=..."), so reads walk a conversation's pages
--   BENCH_THREADS  wrk's thread count, to start each thread at another place in BENCH_IDS
local method = os.getenv("BENCH_METHOD") or "POST"
local template = os.getenv("BENCH_BODY") or ""
local path_template = os.getenv("BENCH_PATH")
local threads = tonumber(os.getenv("BENCH_THREADS") or "1") or 1
local slot = os.getenv("BENCH_SLOT") or ""
if slot == "" then
   slot = "{id}"
end
-- a literal pattern: every punctuation character escaped
local slot_pattern = slot:gsub("%p", "%%%0")
local ids = {}
for id in string.gmatch(os.getenv("BENCH_IDS") or "", "[^,]+") do
   ids[#ids + 1] = id
end

local created = 0
function setup(thread)
   thread:set("thread_index", created)
   created = created + 1
end

local counter = 0
local next_id = 0
function init(args)
   local index = thread_index or 0
   counter = index * 1000000
   if #ids > 0 then
      next_id = math.floor(index * #ids / threads) % #ids
   end
end

wrk.method = method
if template ~= "" then
   wrk.headers["Content-Type"] = "application/json"
end

request = function()
   counter = counter + 1
   local path = nil
   if path_template then
      path = path_template
      if #ids > 0 then
         local value = ids[next_id + 1]
         -- a function, not a string: a percent-encoded value ("%3D") is not a replacement pattern
         path = path:gsub(slot_pattern, function() return value end)
         next_id = (next_id + 1) % #ids
      end
   end
   local body = nil
   if template ~= "" then
      body = template:gsub("{n}", tostring(counter))
   end
   return wrk.format(nil, path, nil, body)
end
