-- wrk script for bench/cases.py: POST /cases with a fresh Idempotency-Key each time,
-- at the positions listed in the file named by GEOPLATFORM_BENCH_POSITIONS (one
-- "lon lat" per line: bench/cases.py writes components' positions, which lie in
-- unit grids as inspectors' reports do). The API key comes from GEOPLATFORM_BENCH_KEY.
local counter = 0
local thread_number = 0
local key = os.getenv("GEOPLATFORM_BENCH_KEY")
local started = os.time()
local positions = {}
for line in io.lines(os.getenv("GEOPLATFORM_BENCH_POSITIONS")) do
  local lon, lat = line:match("([%d.]+) ([%d.]+)")
  positions[#positions + 1] = {tonumber(lon), tonumber(lat)}
end

function setup(thread)
  thread_number = thread_number + 1
  thread:set("number", thread_number)
end

function request()
  counter = counter + 1
  local position = positions[(counter % #positions) + 1]
  local lon, lat = position[1], position[2]
  local body = string.format(
    '{"class_code":"06010","description":"bench %d","position":[%.6f,%.6f]}', counter, lon, lat)
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. key,
    ["Idempotency-Key"] = string.format("bench-%d-%d-%d", started, number or 0, counter),
  }
  return wrk.format("POST", "/cases", headers, body)
end
