-- wrk script for bench/load.py: every request is a valid consultation request of its own.
--
-- Arguments after `--`: the Cookie header (the session that holds the CSRF token), a tag unique
-- to this run, the file done() writes its JSON report to, then the form's answers as name=value
-- (csrf_token among them). Each request URL-encodes the answers once per thread and appends a
-- form_id made of the run tag, a random number per thread, the thread's number and a counter,
-- so no two requests share a form_id (the service stores a repeated form_id only once).
--
-- Each thread counts the status codes it gets and keeps the Set-Cookie header of every
-- 303 to /received/ (the session then names the reference stored), so bench/load.py can check
-- that every acknowledged submission is in the database.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("thread_id", #threads)
end

local function urlencode(text)
   return (text:gsub("[^%w%-%._~]", function(c)
      return string.format("%%%02X", string.byte(c))
   end))
end

local body_prefix, request_headers, tag
local counter = 0
statuses = {}
acknowledged = {}
bad_locations = 0

function init(args)
   math.randomseed(os.time() + thread_id * 7919)
   run_tag = args[2]
   report_path = args[3]
   tag = string.format("%s-%08x-%d", run_tag, math.random(0, 0x7fffffff), thread_id)
   local fields = {}
   for i = 4, #args do
      local name, value = args[i]:match("^([^=]+)=(.*)$")
      fields[#fields + 1] = urlencode(name) .. "=" .. urlencode(value)
   end
   body_prefix = table.concat(fields, "&") .. "&form_id="
   request_headers = {
      ["Cookie"] = args[1],
      ["Content-Type"] = "application/x-www-form-urlencoded",
   }
end

function request()
   counter = counter + 1
   local form_id = string.format("%s-%09d", tag, counter)
   return wrk.format("POST", wrk.path, request_headers, body_prefix .. form_id)
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if status == 303 then
      local location = headers["Location"] or headers["location"] or ""
      if location:sub(-#"/received/") ~= "/received/" then
         bad_locations = bad_locations + 1
      end
      acknowledged[#acknowledged + 1] = headers["Set-Cookie"] or headers["set-cookie"] or ""
   end
end

local function json_string(text)
   return '"' .. text:gsub('[%c"\\]', function(c)
      return string.format("\\u%04x", string.byte(c))
   end) .. '"'
end

function done(summary, latency, requests)
   local statuses_all, cookies, bad = {}, {}, 0
   for _, thread in ipairs(threads) do
      for status, n in pairs(thread:get("statuses")) do
         statuses_all[status] = (statuses_all[status] or 0) + n
      end
      for _, cookie in pairs(thread:get("acknowledged")) do
         cookies[#cookies + 1] = json_string(cookie)
      end
      bad = bad + thread:get("bad_locations")
   end
   local status_parts = {}
   for status, n in pairs(statuses_all) do
      status_parts[#status_parts + 1] = string.format('"%d": %d', status, n)
   end
   local e = summary.errors
   local out = assert(io.open(threads[1]:get("report_path"), "w"))
   out:write("{\n")
   out:write(string.format('"duration_us": %d, "requests": %d, "bytes": %d,\n',
      summary.duration, summary.requests, summary.bytes))
   out:write(string.format(
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d},\n',
      e.connect, e.read, e.write, e.status, e.timeout))
   out:write(string.format(
      '"latency_us": {"p50": %f, "p90": %f, "p99": %f, "mean": %f, "max": %f},\n',
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency.mean, latency.max))
   out:write('"statuses": {' .. table.concat(status_parts, ", ") .. "},\n")
   out:write(string.format('"bad_locations": %d,\n', bad))
   out:write('"acknowledged": [' .. table.concat(cookies, ",\n") .. "]\n}\n")
   out:close()
end
