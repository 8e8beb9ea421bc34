-- sluice_router: sluice's traffic control inside nginx (lua-nginx-module).
--
-- Each service's routing table (replicas, release weights, preview release)
-- lives in the `sluice_routes` shared dict, written by sluice through the
-- loopback admin endpoint and mirrored to a state file so it survives an nginx
-- restart. Every request reads the current table, so a weight change or a
-- replica leaving takes effect on the next request in every worker, without a
-- reload (reloads close idle keep-alive client connections and drop requests).
--
-- Table text format (one fact per line; release ids are [a-z0-9-]):
--   preview <release>
--   weight <release> <integer>
--   peer <release> <slot> <ipv4>:<port>

local balancer = require "ngx.balancer"

local routes = ngx.shared.sluice_routes
local stats = ngx.shared.sluice_stats

local M = {}
local state_dir = nil
local cache = {}       -- per worker: service -> parsed table (by text identity)
local LATENCY_BOUNDS = { 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000 }
local STATS_TTL = 900  -- seconds of per-second counters kept for analysis

local function parse(text)
  local t = { weights = {}, peers = {}, releases = {}, by_release = {}, current = {}, rr = {} }
  for line in text:gmatch("[^\n]+") do
    local key, rest = line:match("^(%S+)%s*(.-)%s*$")
    if key == "preview" then
      if not rest:match("^[a-z0-9-]+$") then return nil, "bad preview line: " .. line end
      t.preview = rest
    elseif key == "weight" then
      local release, weight = rest:match("^([a-z0-9-]+)%s+(%d+)$")
      if not release then return nil, "bad weight line: " .. line end
      t.weights[release] = tonumber(weight)
    elseif key == "peer" then
      local release, slot, host, port = rest:match("^([a-z0-9-]+)%s+(%d+)%s+(%d+%.%d+%.%d+%.%d+):(%d+)$")
      if not release then return nil, "bad peer line: " .. line end
      local peer = { release = release, slot = tonumber(slot), host = host, port = tonumber(port), address = host .. ":" .. port }
      t.peers[#t.peers + 1] = peer
      local list = t.by_release[release]
      if not list then
        list = {}
        t.by_release[release] = list
      end
      list[#list + 1] = peer
    elseif key ~= nil then
      return nil, "unknown line: " .. line
    end
  end
  -- Only releases with replicas and weight take part in the weighted choice.
  for release, weight in pairs(t.weights) do
    if weight > 0 and t.by_release[release] then t.releases[#t.releases + 1] = release end
  end
  table.sort(t.releases)
  return t
end

local function read_file(path)
  local file = io.open(path, "r")
  if not file then return nil end
  local text = file:read("*a")
  file:close()
  return text
end

-- The table text for a service: the shared dict, else (after an nginx restart) the state file.
local function table_text(service)
  local text = routes:get(service)
  if text == nil and state_dir then
    text = read_file(state_dir .. "/" .. service .. ".routes")
    if text then routes:add(service, text) end
  end
  return text
end

local function current(service)
  local text = table_text(service)
  if not text then return nil end
  local cached = cache[service]
  if cached and cached.text == text then return cached.table end
  local t, err = parse(text)
  if not t then
    ngx.log(ngx.ERR, "sluice: unusable table for ", service, ": ", err)
    return nil
  end
  cache[service] = { text = text, table = t }
  return t
end

-- Smooth weighted round-robin (as nginx's own upstream module): exact shares, evenly interleaved.
local function pick_release(t)
  local total, best = 0, nil
  for _, release in ipairs(t.releases) do
    local weight = t.weights[release]
    t.current[release] = (t.current[release] or 0) + weight
    total = total + weight
    if best == nil or t.current[release] > t.current[best] then best = release end
  end
  if best then t.current[best] = t.current[best] - total end
  return best
end

local function next_peer(t, release)
  local list = t.by_release[release]
  if not list or #list == 0 then return nil end
  local i = (t.rr[release] or 0) % #list + 1
  t.rr[release] = i
  return list[i]
end

function M.configure(dir)
  state_dir = dir
end

-- access phase: choose the release and the replica for this request.
-- `preview` is "always" (the preview listener), a variable name like "http_x_preview"
-- (route to the preview release when that header is present), or nil.
function M.choose(service, preview)
  local t = current(service)
  if not t then
    ngx.log(ngx.WARN, "sluice: no routing table for ", service)
    return ngx.exit(ngx.HTTP_SERVICE_UNAVAILABLE)
  end
  local release
  if t.preview and (preview == "always" or (preview and ngx.var[preview] ~= nil)) then
    release = t.preview
  else
    release = pick_release(t)
  end
  local peer = release and next_peer(t, release)
  if not peer then return ngx.exit(ngx.HTTP_SERVICE_UNAVAILABLE) end
  ngx.var.sluice_release = release
  ngx.ctx.sluice = { service = service, release = release, peer = peer }
  stats:incr("inflight:" .. peer.address, 1, 0)
end

-- balancer phase: connect to the chosen replica; on a connection error, try another of the same release.
function M.balance()
  local ctx = ngx.ctx.sluice
  if not ctx then return ngx.exit(ngx.ERROR) end
  local t = current(ctx.service)
  if balancer.get_last_failure() ~= nil then
    local peer = t and next_peer(t, ctx.release)
    if peer and peer.address ~= ctx.peer.address then
      stats:incr("inflight:" .. ctx.peer.address, -1, 0)
      stats:incr("inflight:" .. peer.address, 1, 0)
      ctx.peer = peer
    end
  elseif t and #(t.by_release[ctx.release] or {}) > 1 then
    balancer.set_more_tries(1)
  end
  local ok, err = balancer.set_current_peer(ctx.peer.host, ctx.peer.port)
  if not ok then
    ngx.log(ngx.ERR, "sluice: cannot use peer ", ctx.peer.address, ": ", err)
    return ngx.exit(ngx.ERROR)
  end
end

-- log phase: the request is over; count it for analysis.
function M.record()
  local ctx = ngx.ctx.sluice
  if not ctx then return end
  stats:incr("inflight:" .. ctx.peer.address, -1, 0)
  local prefix = "s:" .. ctx.service .. ":" .. ctx.release .. ":" .. math.floor(ngx.now()) .. ":"
  stats:incr(prefix .. "r", 1, 0, STATS_TTL)
  local status = tonumber(ngx.var.status) or 0
  if status >= 500 or status == 0 then stats:incr(prefix .. "e", 1, 0, STATS_TTL) end
  local ms = (tonumber(ngx.var.request_time) or 0) * 1000
  local bucket = #LATENCY_BOUNDS + 1
  for i, bound in ipairs(LATENCY_BOUNDS) do
    if ms <= bound then
      bucket = i
      break
    end
  end
  stats:incr(prefix .. "l" .. bucket, 1, 0, STATS_TTL)
end

local function serialize(t)
  local lines = {}
  if t.preview then lines[#lines + 1] = "preview " .. t.preview end
  local releases = {}
  for release in pairs(t.weights) do releases[#releases + 1] = release end
  table.sort(releases)
  for _, release in ipairs(releases) do lines[#lines + 1] = "weight " .. release .. " " .. t.weights[release] end
  for _, peer in ipairs(t.peers) do lines[#lines + 1] = "peer " .. peer.release .. " " .. peer.slot .. " " .. peer.address end
  return table.concat(lines, "\n") .. "\n"
end

local function say_routes(service)
  local text = table_text(service)
  if not text then return ngx.exit(ngx.HTTP_NOT_FOUND) end
  ngx.header["Content-Type"] = "text/plain"
  ngx.print(text)
end

local function put_routes(service)
  ngx.req.read_body()
  local body = ngx.req.get_body_data() or ""
  local t, err = parse(body)
  if not t then
    ngx.status = ngx.HTTP_BAD_REQUEST
    ngx.say(err)
    return ngx.exit(ngx.HTTP_BAD_REQUEST)
  end
  local ok, set_err = routes:set(service, serialize(t))
  if not ok then
    ngx.status = ngx.HTTP_INTERNAL_SERVER_ERROR
    ngx.say("cannot store the table: ", set_err)
    return ngx.exit(ngx.HTTP_INTERNAL_SERVER_ERROR)
  end
  return say_routes(service)
end

local function say_inflight()
  local args = ngx.req.get_uri_args()
  local addresses = args.addr
  if type(addresses) == "string" then addresses = { addresses } end
  ngx.header["Content-Type"] = "text/plain"
  for _, address in ipairs(addresses or {}) do
    ngx.say(address, " ", stats:get("inflight:" .. address) or 0)
  end
end

local function say_stats(service, release)
  local since = tonumber(ngx.req.get_uri_args().since) or (math.floor(ngx.now()) - 60)
  local now = math.floor(ngx.now())
  local requests, errors, buckets = 0, 0, {}
  for second = math.max(since, now - STATS_TTL), now do
    local prefix = "s:" .. service .. ":" .. release .. ":" .. second .. ":"
    requests = requests + (stats:get(prefix .. "r") or 0)
    errors = errors + (stats:get(prefix .. "e") or 0)
    for i = 1, #LATENCY_BOUNDS + 1 do buckets[i] = (buckets[i] or 0) + (stats:get(prefix .. "l" .. i) or 0) end
  end
  ngx.header["Content-Type"] = "text/plain"
  ngx.say("requests ", requests)
  ngx.say("errors ", errors)
  if requests > 0 then
    local seen, target = 0, math.ceil(requests * 0.99)
    for i = 1, #LATENCY_BOUNDS + 1 do
      seen = seen + buckets[i]
      if seen >= target then
        ngx.say("p99 ", LATENCY_BOUNDS[i] or (LATENCY_BOUNDS[#LATENCY_BOUNDS] * 2))
        break
      end
    end
  end
end

-- The loopback admin endpoint.
function M.admin()
  local uri, method = ngx.var.uri, ngx.req.get_method()
  local service = uri:match("^/sluice/services/([a-z0-9-]+)$")
  if service and method == "GET" then return say_routes(service) end
  if service and method == "PUT" then return put_routes(service) end
  if uri == "/sluice/inflight" then return say_inflight() end
  local stats_service, stats_release = uri:match("^/sluice/stats/([a-z0-9-]+)/([a-z0-9-]+)$")
  if stats_service then return say_stats(stats_service, stats_release) end
  return ngx.exit(ngx.HTTP_NOT_FOUND)
end

return M
