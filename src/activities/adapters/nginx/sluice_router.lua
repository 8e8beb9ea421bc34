-- sluice_router: sluice's traffic control inside nginx (lua-nginx-module).
--
-- Each service's routing table (replicas, release weights, preview release)
-- lives in the `sluice_routes` shared dict, written by sluice through the
-- loopback admin endpoint and mirrored to a state file so it survives an nginx
-- restart (the master loads the files at start). Every request reads the current table, so a weight change or a
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
-- In-flight counts and ejected peers live apart from the statistics, so a flood of
-- statistics keys can never evict the counts a drain waits on.
local peers = ngx.shared.sluice_peers or stats

local M = {}
local admin_token = nil -- read by the master at (re)load: the admin endpoint answers only requests carrying it
local cache = {}       -- per worker: service -> parsed table (by text identity)
-- Upper bounds (ms) of the upstream response time histogram, about 1.5x apart: a p99 read
-- from it is interpolated within its bucket (docs/deployments.md, "Analysis").
local LATENCY_BOUNDS = { 1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10000 }
local STATS_TTL = 900  -- seconds of per-second counters kept for analysis
local EJECT_SECONDS = 10 -- a peer whose connections failed takes no new requests for this long
-- Ejected after this many failed connections within EJECT_SECONDS: one failure alone can be an idle
-- keep-alive connection the replica closed just as nginx reused it (the request is retried anyway).
local EJECT_AFTER_FAILURES = 2

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

local DT_REG = 8 -- dirent d_type of a regular file
local ENOENT = 2

-- The regular files in a directory, through libc (plain Lua cannot list one). The dirent layout is
-- 64-bit Linux's, the same in glibc and musl; elsewhere nothing is listed and the caller logs why.
-- Links, FIFOs and directories are left out: the root master never reads through a planted one.
local function regular_files(dir)
  local ffi = require "ffi"
  if ffi.os ~= "Linux" or not ffi.abi("64bit") then return nil, "listing a directory needs 64-bit Linux" end
  -- A reload runs this again in the same Lua VM, where the declarations already exist.
  pcall(ffi.cdef, [[
    typedef struct sluice_dir sluice_dir;
    struct sluice_dirent { uint64_t d_ino; int64_t d_off; unsigned short d_reclen; unsigned char d_type; char d_name[256]; };
    sluice_dir *opendir(const char *name);
    struct sluice_dirent *readdir(sluice_dir *dir);
    int closedir(sluice_dir *dir);
  ]])
  local handle = ffi.C.opendir(dir)
  if handle == nil then
    if ffi.errno() == ENOENT then return {} end -- no service routed yet
    return nil, "cannot open the directory (errno " .. ffi.errno() .. ")"
  end
  local names = {}
  while true do
    local entry = ffi.C.readdir(handle)
    if entry == nil then break end
    if entry.d_type == DT_REG then names[#names + 1] = ffi.string(entry.d_name) end
  end
  ffi.C.closedir(handle)
  return names
end

-- Fills the routes dict from the state files (after an nginx restart the dict is empty). Runs in the
-- master, before it forks the workers: they may run as an unprivileged user who cannot read our files.
-- `add` keeps a table the dict already holds: on a reload the dict survives, and it is never older
-- than the file (sluice writes the file first, then sends the same table; a send cut short by a
-- reload is retried). A failure here is logged and leaves nginx serving: each service's table comes
-- back with sluice's next change to it.
local function load_state(dir)
  local names, err = regular_files(dir)
  if not names then
    ngx.log(ngx.ERR, "sluice: routing tables not loaded from ", dir, ": ", err)
    return
  end
  local loaded = 0
  for _, name in ipairs(names) do
    local service = name:match("^([a-z0-9-]+)%.routes$")
    local text = service and read_file(dir .. "/" .. name)
    if text then
      local ok, add_err = routes:add(service, text)
      if ok then
        loaded = loaded + 1
      elseif add_err ~= "exists" then
        ngx.log(ngx.ERR, "sluice: cannot load the routing table of ", service, ": ", add_err)
      end
    end
  end
  ngx.log(ngx.NOTICE, "sluice: ", loaded, " routing table(s) loaded from ", dir)
end

local function current(service)
  local text = routes:get(service)
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

local function ejected(address)
  return peers:get("ejected:" .. address) ~= nil
end

-- Round-robin over the release's peers, skipping ejected ones (all ejected: try one anyway).
local function next_peer(t, release, avoid)
  local list = t.by_release[release]
  if not list or #list == 0 then return nil end
  local fallback = nil
  for _ = 1, #list do
    local i = (t.rr[release] or 0) % #list + 1
    t.rr[release] = i
    local peer = list[i]
    if peer.address ~= avoid then
      if not ejected(peer.address) then return peer end
      fallback = fallback or peer
    end
  end
  return fallback or list[(t.rr[release] or 0) % #list + 1]
end

function M.configure(dir, token_file)
  local ok, err = pcall(load_state, dir)
  if not ok then ngx.log(ngx.ERR, "sluice: routing tables not loaded from ", dir, ": ", err) end
  if token_file then
    local token = read_file(token_file)
    admin_token = token and token:match("^%s*(%S+)%s*$") or nil
    if not admin_token then ngx.log(ngx.ERR, "sluice: no admin token in ", token_file, ": the admin endpoint refuses every request") end
  end
end

-- Whether the request asks for the preview release: the preview listener always does; on the
-- main listener, the preview header must carry the secret value (its SHA-1, base64, is `digest`).
local function wants_preview(preview, digest)
  if preview == "always" then return true end
  if not preview then return false end
  local value = ngx.var[preview]
  if value == nil then return false end
  if digest == nil then return true end -- a config written before preview secrets existed
  return ngx.encode_base64(ngx.sha1_bin(value)) == digest
end

-- access phase: choose the release and the replica for this request.
-- `preview` is "always" (the preview listener), a variable name like "http_x_preview"
-- (the header that routes to the preview release), or nil; `digest` is the header's secret value, hashed.
function M.choose(service, preview, digest)
  local t = current(service)
  if not t then
    ngx.log(ngx.WARN, "sluice: no routing table for ", service)
    return ngx.exit(ngx.HTTP_SERVICE_UNAVAILABLE)
  end
  local release
  if t.preview and wants_preview(preview, digest) then
    release = t.preview
  else
    release = pick_release(t)
  end
  local peer = release and next_peer(t, release)
  if not peer then return ngx.exit(ngx.HTTP_SERVICE_UNAVAILABLE) end
  ngx.var.sluice_release = release
  ngx.ctx.sluice = { service = service, release = release, peer = peer }
  peers:incr("inflight:" .. peer.address, 1, 0)
end

-- balancer phase: connect to the chosen replica. When a connection fails (passive health), nginx's
-- retry (idempotent requests only, as proxy_next_upstream decides) goes to another peer of the same
-- release, and a peer that failed EJECT_AFTER_FAILURES times is ejected for EJECT_SECONDS.
function M.balance()
  local ctx = ngx.ctx.sluice
  if not ctx then return ngx.exit(ngx.ERROR) end
  local t = current(ctx.service)
  if balancer.get_last_failure() ~= nil then
    local failures = peers:incr("failures:" .. ctx.peer.address, 1, 0, EJECT_SECONDS)
    if failures and failures >= EJECT_AFTER_FAILURES then
      peers:set("ejected:" .. ctx.peer.address, true, EJECT_SECONDS)
      ngx.log(ngx.WARN, "sluice: ", ctx.service, " peer ", ctx.peer.address, " failed ", failures, " times; ejected for ", EJECT_SECONDS, "s")
    end
    -- Another replica of the release if there is one; else the same one again (nginx answers 502 if it fails twice).
    local peer = t and next_peer(t, ctx.release, ctx.peer.address)
    if peer and peer.address ~= ctx.peer.address then
      peers:incr("inflight:" .. ctx.peer.address, -1, 0)
      peers:incr("inflight:" .. peer.address, 1, 0)
      ctx.peer = peer
    end
  else
    -- One retry, always: nginx makes it only for requests it may resend (idempotent ones), and it is
    -- how a failed connection is seen at all (this phase runs again with the failure).
    balancer.set_more_tries(1)
  end
  local ok, err = balancer.set_current_peer(ctx.peer.host, ctx.peer.port)
  if not ok then
    ngx.log(ngx.ERR, "sluice: cannot use peer ", ctx.peer.address, ": ", err)
    return ngx.exit(ngx.ERROR)
  end
end

-- The time the upstreams took ($upstream_response_time: "0.012", or "0.002, 0.010" after a
-- retry), in ms; nil when no upstream answered. Unlike $request_time it leaves out the client.
local function upstream_ms()
  local text = ngx.var.upstream_response_time
  if not text then return nil end
  local total, found = 0, false
  for seconds in text:gmatch("[%d.]+") do
    total = total + (tonumber(seconds) or 0)
    found = true
  end
  return found and total * 1000 or nil
end

-- log phase: the request is over; count it for analysis.
function M.record()
  local ctx = ngx.ctx.sluice
  if not ctx then return end
  peers:incr("inflight:" .. ctx.peer.address, -1, 0)
  local prefix = "s:" .. ctx.service .. ":" .. ctx.release .. ":" .. math.floor(ngx.now()) .. ":"
  stats:incr(prefix .. "r", 1, 0, STATS_TTL)
  local status = tonumber(ngx.var.status) or 0
  if status >= 500 or status == 0 then stats:incr(prefix .. "e", 1, 0, STATS_TTL) end
  local ms = upstream_ms()
  if not ms then return end
  local bucket = #LATENCY_BOUNDS + 1
  for i, bound in ipairs(LATENCY_BOUNDS) do
    if ms <= bound then
      bucket = i
      break
    end
  end
  stats:incr(prefix .. "l" .. bucket, 1, 0, STATS_TTL)
  -- The lowest and highest time seen in the bucket this second: a p99 is read between them, not
  -- across the whole bucket (not atomic across nginx workers: at worst a bound is a little loose).
  local lo, hi = prefix .. "lo" .. bucket, prefix .. "hi" .. bucket
  local seen_lo, seen_hi = stats:get(lo), stats:get(hi)
  if not seen_lo or ms < seen_lo then stats:set(lo, ms, STATS_TTL) end
  if not seen_hi or ms > seen_hi then stats:set(hi, ms, STATS_TTL) end
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
  local text = routes:get(service)
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
    ngx.say(address, " ", peers:get("inflight:" .. address) or 0)
  end
end

-- Passive health of a service's peers: "ejected <address> <seconds left>" per ejected peer.
local function say_health(service)
  local t = current(service)
  if not t then return ngx.exit(ngx.HTTP_NOT_FOUND) end
  ngx.header["Content-Type"] = "text/plain"
  for _, peer in ipairs(t.peers) do
    local left = peers:ttl("ejected:" .. peer.address)
    if left and ejected(peer.address) then ngx.say("ejected ", peer.address, " ", math.ceil(left)) end
  end
end

local function say_stats(service, release)
  local since = tonumber(ngx.req.get_uri_args().since) or (math.floor(ngx.now()) - 60)
  local now = math.floor(ngx.now())
  local requests, errors, buckets, lows, highs = 0, 0, {}, {}, {}
  for second = math.max(since, now - STATS_TTL), now do
    local prefix = "s:" .. service .. ":" .. release .. ":" .. second .. ":"
    requests = requests + (stats:get(prefix .. "r") or 0)
    errors = errors + (stats:get(prefix .. "e") or 0)
    for i = 1, #LATENCY_BOUNDS + 1 do
      buckets[i] = (buckets[i] or 0) + (stats:get(prefix .. "l" .. i) or 0)
      local lo, hi = stats:get(prefix .. "lo" .. i), stats:get(prefix .. "hi" .. i)
      if lo and (not lows[i] or lo < lows[i]) then lows[i] = lo end
      if hi and (not highs[i] or hi > highs[i]) then highs[i] = hi end
    end
  end
  ngx.header["Content-Type"] = "text/plain"
  ngx.say("requests ", requests)
  ngx.say("errors ", errors)
  local timed = 0
  for i = 1, #LATENCY_BOUNDS + 1 do timed = timed + buckets[i] end
  if timed > 0 then
    -- The 99th percentile: found in its bucket, then interpolated linearly between the lowest and the
    -- highest time seen in that bucket (within the bucket's bounds; past the last bound, its highest).
    local seen, target = 0, math.ceil(timed * 0.99)
    for i = 1, #LATENCY_BOUNDS + 1 do
      if seen + buckets[i] >= target then
        local lower = math.max(LATENCY_BOUNDS[i - 1] or 0, lows[i] or 0)
        local upper = math.min(LATENCY_BOUNDS[i] or math.huge, highs[i] or LATENCY_BOUNDS[i] or LATENCY_BOUNDS[#LATENCY_BOUNDS])
        if upper < lower then upper = lower end
        ngx.say("p99 ", string.format("%.1f", lower + (upper - lower) * (target - seen) / buckets[i]))
        break
      end
      seen = seen + buckets[i]
    end
  end
end

-- The loopback admin endpoint: only for requests carrying the token the worker holds
-- (any local user can reach loopback; only the worker may reroute traffic).
function M.admin()
  if not admin_token or ngx.var.http_x_sluice_token ~= admin_token then
    ngx.status = ngx.HTTP_FORBIDDEN
    ngx.say("sluice admin: missing or wrong X-Sluice-Token")
    return ngx.exit(ngx.HTTP_FORBIDDEN)
  end
  local uri, method = ngx.var.uri, ngx.req.get_method()
  local service = uri:match("^/sluice/services/([a-z0-9-]+)$")
  if service and method == "GET" then return say_routes(service) end
  if service and method == "PUT" then return put_routes(service) end
  if uri == "/sluice/inflight" then return say_inflight() end
  local stats_service, stats_release = uri:match("^/sluice/stats/([a-z0-9-]+)/([a-z0-9-]+)$")
  if stats_service then return say_stats(stats_service, stats_release) end
  local health_service = uri:match("^/sluice/health/([a-z0-9-]+)$")
  if health_service then return say_health(health_service) end
  return ngx.exit(ngx.HTTP_NOT_FOUND)
end

return M
