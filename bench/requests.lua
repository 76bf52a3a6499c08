-- wrk script for bench/side_by_side.py: one kind of request, one connection per wrk thread.
-- BENCH_METHOD, BENCH_PATH ("{id}" is replaced by a review id), BENCH_BODY, BENCH_KEY, BENCH_IDS (a file,
-- one review id a line) and BENCH_THREADS. Thread t takes ids t, t + threads, t + 2 * threads, ... so no two
-- connections share a review (a transition uses each review once). Prints one JSON line at the end.

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

function init(args)
  method = os.getenv("BENCH_METHOD")
  path = os.getenv("BENCH_PATH")
  body = os.getenv("BENCH_BODY")
  if body == "" then body = nil end
  step = tonumber(os.getenv("BENCH_THREADS"))
  headers = {["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY"), ["Content-Type"] = "application/json"}
  ids = {}
  for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end
  n = 0
end

function request()
  local id = ids[((tid - 1) + n * step) % #ids + 1]
  n = n + 1
  return wrk.format(method, (path:gsub("{id}", id)), headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50_us": %d, "p99_us": %d, "errors": %d, "non_2xx": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
