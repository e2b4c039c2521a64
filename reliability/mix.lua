-- A rotation of requests to apps/corpus_app.py, for wrk (load.py, soak.py).
-- `-- ok` sends only requests that succeed; `-- mixed` adds validation errors, 404s and 405s.
-- done() prints one JSON line with the totals, 5xx answers counted separately from other non-2xx.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local json = { ["Content-Type"] = "application/json" }
local form = { ["Content-Type"] = "application/x-www-form-urlencoded" }
local rotation = {}
local position = 0

function init(args)
  server_errors = 0
  rotation = {
    wrk.format("GET", "/items/7"),
    wrk.format("POST", "/items", json, '{"name":"widget","price":2.5,"tags":["a","b"]}'),
    wrk.format("GET", "/search?q=hello&n=3"),
    wrk.format("POST", "/form", form, "name=ada&age=36"),
    wrk.format("GET", "/static/hello.txt"),
    wrk.format("GET", "/cookies", { ["Cookie"] = "session=abc; theme=dark" }),
  }
  if args[1] == "mixed" then
    table.insert(rotation, wrk.format("POST", "/items", json, '{"name": "a", "price": '))
    table.insert(rotation, wrk.format("GET", "/items/not-a-number"))
    table.insert(rotation, wrk.format("GET", "/search?q=" .. string.rep("x", 60)))
    table.insert(rotation, wrk.format("GET", "/missing"))
    table.insert(rotation, wrk.format("DELETE", "/items/1"))
    table.insert(rotation, wrk.format("GET", "/static/../../etc/passwd"))
  end
end

function request()
  position = position % #rotation + 1
  return rotation[position]
end

function response(status, headers, body)
  if status >= 500 then
    server_errors = server_errors + 1
  end
end

function done(summary, latency, requests)
  local total_server_errors = 0
  for _, thread in ipairs(threads) do
    total_server_errors = total_server_errors + thread:get("server_errors")
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,' ..
    '"timeouts":%d,"non_2xx":%d,"server_errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    total_server_errors, latency:percentile(50), latency:percentile(99)))
end
