-- wrk 4.1 script: the seed's k6 load (k6/api_performance_test.js) as a closed loop.
--
--   wrk -t T -c 3N -d <window + grace>s --timeout 10s -s seed_load.lua URL \
--       -- <window_s> <pause_ms> <path_prefix> <paths>
--
-- Each connection pauses pause_ms (wrk's delay() hook), sends one POST with the seed's
-- body, waits for the answer, and pauses again: k6's VU does the same with three
-- connections at once (http.batch) and sleep(1).
--
-- Which path a request goes to: wrk calls request() once per request, per thread, and
-- does not say for which connection. So each thread cycles through the paths request by
-- request (thread k starts at path k). With every connection on the same pause and
-- delay, that gives each path a third of the requests and of the connections busy at
-- any moment, which is what the 3N connections of k6's N VUs do.
--
-- End of the run: like k6's gracefulStop, no request is started after the load window
-- (window_s seconds after the thread began); delay() then parks the connection for
-- longer than the run. Requests in flight get the rest of wrk's -d (the grace period) to
-- be answered. Whatever was sent and is still unanswered when wrk stops never got an
-- answer: wrk 4.1 itself never counts those.
--
-- Each thread counts the requests it sent and the answers it received (all, 2xx, 503);
-- done() adds them up over the threads and prints one line, "BENCH_RESULT {json}",
-- for bench/run.py.
--
-- A connection whose connect() never completes (the server's listen queue is full, so
-- the kernel drops its SYN) never gets to request(), so its request is not in `sent`:
-- bench/run.py counts those connections from the kernel's socket table instead.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("bench_timespec")

local function now_s()
    ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
    return tonumber(timespec.tv_sec) + tonumber(timespec.tv_nsec) / 1e9
end

-- A connection parked after the window waits this long: far longer than any run.
local PARKED_MS = 24 * 3600 * 1000

-- ---- main Lua state: one thread object per wrk thread ----

local threads = {}

function setup(thread)
    threads[#threads + 1] = thread
    thread:set("thread_index", #threads - 1)
end

-- ---- per thread ----

local window_s, pause_ms, stop_sending_at
local prepared = {}
local next_path = 1
-- wrk calls request() once on thread 0 before the run, to look at the request it
-- returns; every real request comes after a connection's first delay().
local running = false

function init(args)
    window_s = tonumber(args[1])
    pause_ms = tonumber(args[2])
    local prefix = args[3] or ""
    local names = args[4] or "first,second,third"
    assert(window_s and window_s > 0, "seed_load.lua: window_s must be a positive number")
    assert(pause_ms and pause_ms >= 0, "seed_load.lua: pause_ms must be >= 0")

    for name in string.gmatch(names, "[^,]+") do
        prepared[#prepared + 1] = wrk.format("POST", prefix .. "/" .. name,
            { ["Content-Type"] = "application/json" },
            '{"info": {"sequence": "' .. name .. '"}}')
    end
    next_path = (thread_index or 0) % #prepared + 1

    sent, answered, answered_2xx, answered_503 = 0, 0, 0, 0
    stop_sending_at = now_s() + window_s
end

function delay()
    running = true
    if now_s() + pause_ms / 1000 > stop_sending_at then
        return PARKED_MS
    end
    return pause_ms
end

function request()
    if not running then
        return prepared[next_path]
    end
    sent = sent + 1
    local r = prepared[next_path]
    next_path = next_path % #prepared + 1
    return r
end

function response(status, headers, body)
    answered = answered + 1
    if status >= 200 and status < 300 then
        answered_2xx = answered_2xx + 1
    elseif status == 503 then
        answered_503 = answered_503 + 1
    end
end

-- ---- main Lua state, after the run ----

function done(summary, latency, requests)
    local total = { sent = 0, answered = 0, answered_2xx = 0, answered_503 = 0 }
    for _, thread in ipairs(threads) do
        for key, _ in pairs(total) do
            total[key] = total[key] + (tonumber(thread:get(key)) or 0)
        end
    end
    local e = summary.errors
    local fields = {
        string.format('"threads": %d', #threads),
        string.format('"sent": %d', total.sent),
        string.format('"answered": %d', total.answered),
        string.format('"answered_2xx": %d', total.answered_2xx),
        string.format('"answered_503": %d', total.answered_503),
        string.format('"wrk_requests": %d', summary.requests),
        string.format('"wrk_duration_us": %d', summary.duration),
        string.format('"errors_connect": %d', e.connect),
        string.format('"errors_read": %d', e.read),
        string.format('"errors_write": %d', e.write),
        string.format('"errors_status": %d', e.status),
        string.format('"errors_timeout": %d', e.timeout),
        -- latency of answers within --timeout, in microseconds
        string.format('"latency_mean_us": %.1f', latency.mean),
        string.format('"latency_p50_us": %d', latency:percentile(50)),
        string.format('"latency_p90_us": %d', latency:percentile(90)),
        string.format('"latency_p95_us": %d', latency:percentile(95)),
        string.format('"latency_p99_us": %d', latency:percentile(99)),
        string.format('"latency_max_us": %d', latency.max),
    }
    io.write("BENCH_RESULT {" .. table.concat(fields, ", ") .. "}\n")
end
