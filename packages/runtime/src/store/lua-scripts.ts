/**
 * Lua scripts of the Redis run store. Each touches only keys of one run (one hash tag), so they
 * are legal on Redis Cluster. Arguments that are lists travel as one JSON argument (cjson).
 */

/** Lua: sets `finished` and marks the run done (publishing on ARGV[channelArg]) once every known instance completed. */
function markFinished(channelArg: number): string {
  return `local finished = redis.call('SCARD', KEYS[2]) == tonumber(redis.call('HGET', KEYS[1], 'known'))
if finished then
  redis.call('HSET', KEYS[1], 'status', 'done')
  redis.call('PUBLISH', ARGV[${channelArg}], 'done')
end
`;
}

/** Lua: `fetch(out, ids)` adds the stored outputs of `ids` (those present) to `out`, in one HMGET. */
const FETCH_OUTPUTS = `local function fetch(out, wanted)
  if not wanted then return end
  -- In chunks: unpack() of more than ~8,000 values overflows Lua's C stack.
  for first = 1, #wanted, 4000 do
    local last = math.min(first + 3999, #wanted)
    local values = redis.call('HMGET', KEYS[4], unpack(wanted, first, last))
    for k, v in ipairs(values) do
      if v then out[wanted[first + k - 1]] = v end
    end
  end
end
`;

/** Lua: answers `inactive` unless the run is running, and `stale` unless the lengths version is ARGV[versionArg]. */
function guardRun(versionArg: number): string {
  return `local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'running' then
  return cjson.encode({ s = 'inactive', t = status or 'missing' })
end
local version = redis.call('HLEN', KEYS[5])
if version ~= tonumber(ARGV[${versionArg}]) then
  return cjson.encode({ s = 'stale', v = version })
end
`;
}

/**
 * Completes one task instance atomically and idempotently. Reads first and mutates only when it
 * has the output it must store (an empty output when one is needed answers `resend`).
 * KEYS: meta, done, counts, outputs, lengths, metrics.
 * ARGV: instanceId, output ("" when not sent), write mode, lengthsVersion, knownDelta, metrics ("" for none),
 *       events channel, JSON { d: [[id, need]], c: [[id, need, [deps]]], l: [[key, len]], f: {id: [deps]} }.
 * Write modes: `always`; `shared` (unless its only dependent becomes ready now); `keep:<k>`
 * (task clustering: unless every dependent becomes ready now and there are at most k; a
 * redelivery always stores).
 * Returns JSON: { s = "ok", r = ready, o = fetched, f = finished, x = redelivered, w = written },
 * { s = "resend" }, { s = "stale", v = version } or { s = "inactive", t = status }.
 */
export const COMPLETE_SCRIPT = `
${guardRun(4)}local id = ARGV[1]
local spec = cjson.decode(ARGV[8])
local redelivered = redis.call('SISMEMBER', KEYS[2], id) == 1
local ready, counts = {}, {}
if not redelivered then
  for k, c in ipairs(spec.c) do
    local n = 0
    for _, dep in ipairs(c[3]) do
      if dep == id then n = n + 1 else n = n + redis.call('SISMEMBER', KEYS[2], dep) end
    end
    counts[k] = n
    if n == c[2] then table.insert(ready, c[1]) end
  end
  for k, d in ipairs(spec.d) do
    local n = tonumber(redis.call('HGET', KEYS[3], d[1]) or '0') + 1
    counts[#spec.c + k] = n
    if n == d[2] then table.insert(ready, d[1]) end
  end
else
  for _, d in ipairs(spec.d) do
    if tonumber(redis.call('HGET', KEYS[3], d[1]) or '-1') == d[2] then table.insert(ready, d[1]) end
  end
  for _, c in ipairs(spec.c) do
    if tonumber(redis.call('HGET', KEYS[3], c[1]) or '-1') == c[2] then table.insert(ready, c[1]) end
  end
end
local total = #spec.d + #spec.c
local limit = tonumber(string.match(ARGV[3], '^keep:(%d+)$'))
local write
if limit then
  write = redelivered or #ready ~= total or total > limit
else
  write = ARGV[3] == 'always' or not (total == 1 and #ready == 1)
end
if write and ARGV[2] == '' then return cjson.encode({ s = 'resend' }) end
redis.call('SADD', KEYS[2], id)
if not redelivered then
  for _, kv in ipairs(spec.l) do redis.call('HSET', KEYS[5], kv[1], kv[2]) end
  if tonumber(ARGV[5]) ~= 0 then redis.call('HINCRBY', KEYS[1], 'known', ARGV[5]) end
  for k, c in ipairs(spec.c) do redis.call('HSET', KEYS[3], c[1], counts[k]) end
  for k, d in ipairs(spec.d) do redis.call('HSET', KEYS[3], d[1], counts[#spec.c + k]) end
end
if write then
  if redis.call('HSET', KEYS[4], id, ARGV[2]) == 1 then
    redis.call('HINCRBY', KEYS[1], 'bytesWritten', string.len(ARGV[2]))
  end
end
if ARGV[6] ~= '' then redis.call('RPUSH', KEYS[6], ARGV[6]) end
${FETCH_OUTPUTS}local fetched = {}
if #ready > 0 then fetch(fetched, spec.f[ready[1]]) end
${markFinished(7)}return cjson.encode({ s = 'ok', r = ready, o = fetched, f = finished, x = redelivered, w = write })
`;

/**
 * Moves a running run to a final status, optionally recording an error.
 * KEYS: meta, error. ARGV: new status, events channel, error fields as JSON object ("" for none).
 * Returns 1 when the run was running, else 0.
 */
export const FINISH_SCRIPT = `
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1])
if ARGV[3] ~= '' then
  local record = cjson.decode(ARGV[3])
  for k, v in pairs(record) do redis.call('HSET', KEYS[2], k, v) end
end
redis.call('PUBLISH', ARGV[2], ARGV[1])
return 1
`;

/**
 * Lua helpers of the batch script: variadic commands over long lists in chunks (one command per
 * 1,000 arguments instead of one per item: the per-call cost dominates tiny completions), and
 * SMISMEMBER with a fallback to SISMEMBER for Redis before 6.2.
 */
const BATCH_HELPERS = `
local function chunked(cmd, key, args)
  for from = 1, #args, 1000 do
    redis.call(cmd, key, unpack(args, from, math.min(from + 999, #args)))
  end
end
local function members(key, ids)
  local out = {}
  for from = 1, #ids, 1000 do
    local to = math.min(from + 999, #ids)
    local flags = redis.pcall('SMISMEMBER', key, unpack(ids, from, to))
    if type(flags) == 'table' and flags.err then
      flags = {}
      for k = from, to do flags[k - from + 1] = redis.call('SISMEMBER', key, ids[k]) end
    end
    for k = from, to do out[k] = flags[k - from + 1] == 1 end
  end
  return out
end
`;

/**
 * Lua: `holdItems()` decides, for each delayed item of the batch script (`spec.y`), whether it is
 * held on its worker (returned as a set of item numbers) rather than completed now: it is held
 * while some dependent still misses an input that is neither complete, nor in this batch, nor
 * held by another worker that this item must travel to (a larger held input there, when `yield`;
 * any held input there otherwise). A held item gets `held:<id>` = `<bytes>:<worker>` in the
 * counters hash; an item that completes loses it. A redelivered or `final` item is never held.
 */
const HOLD_ITEMS = `local function holdItems()
  local out = {}
  if not spec.y then return out end
  local inBatch = {}
  for n = 1, #items do inBatch[items[n][1]] = true end
  for _, y in ipairs(spec.y) do
    local n, size = y[1], y[2]
    local it = items[n]
    local id = it[1]
    local go = again[n] or y[3] == 1
    local wait = false
    if not go then
      for j = 4, #it do
        local k = math.abs(it[j])
        local dep = deps[k][1]
        local others = tonumber(redis.call('HGET', KEYS[3], dep) or '0') + inc[k] - 1
        if others < deps[k][2] - 1 then
          for _, x in ipairs(spec.g[dep] or {}) do
            if x ~= id and not inBatch[x] and redis.call('SISMEMBER', KEYS[2], x) == 0 then
              local h = redis.call('HGET', KEYS[3], 'held:' .. x)
              local hs, hw
              if h then hs, hw = string.match(h, '^(%d+):(.*)$') end
              if hs and hw ~= spec.w and (y[4] ~= 1 or tonumber(hs) > size or (tonumber(hs) == size and x < id)) then
                go = true
                break
              end
              wait = true
            end
          end
        end
        if go then break end
      end
    end
    if go or not wait then
      redis.call('HDEL', KEYS[3], 'held:' .. id)
    else
      out[n] = true
      redis.call('HSET', KEYS[3], 'held:' .. id, size .. ':' .. spec.w)
    end
  end
  return out
end
`;

/**
 * Completes many instances of one run atomically and idempotently (see CompleteBatchRequest).
 * Reads first and mutates only when every output it must store was sent (else answers `resend`).
 * An instance already complete, or listed twice, counts once.
 * KEYS: meta, done, counts, outputs, lengths, metrics.
 * ARGV: lengthsVersion, events channel, metrics ("" for none), JSON
 *   { d: [[dep, need]], i: [[id, always, output or false, ±k…]], f: {dep: [ids]}, m: [items], b: budget },
 *   then the outputs sent: an item's output is ARGV[its `output` number] (outside the JSON, so
 *   that a large one is not parsed by cjson). Each dependent is once in `d`; an item names its
 *   dependents by 1-based index k into `d`, negative when the caller may not claim it (compact:
 *   a fan-in of 1,000 items names its dependent once). Items listed in `m` (1-based; large
 *   outputs, task clustering) may claim more ready dependents than their first, `b` in all.
 * Items listed in `y` ([[item, bytes, final, yield]], delayed I/O) may be held instead (see
 * HOLD_ITEMS); `g` gives the dependencies of their dependents, `w` the worker asking.
 * Returns JSON { s = "ok", c = [[item, dep]], x = [[item, dep]] (clustered claims), h = handoffs,
 * u = unwritten items, a = items already complete (redeliveries), o = fetched, f = finished, y = held items }, { s = "resend", n = ids },
 * { s = "stale", v = version } or { s = "inactive", t = status }.
 */
export const COMPLETE_BATCH_SCRIPT = `
${guardRun(1)}${BATCH_HELPERS}
local spec = cjson.decode(ARGV[4])
local deps, items = spec.d, spec.i
local ids, depIds, inc, seen = {}, {}, {}, {}
for n = 1, #items do ids[n] = items[n][1] end
for k = 1, #deps do depIds[k] = deps[k][1]; inc[k] = 0 end
local again = members(KEYS[2], ids)
for n = 1, #items do
  local it = items[n]
  if seen[it[1]] then again[n] = true end
  seen[it[1]] = true
  if not again[n] then
    for j = 4, #it do local k = math.abs(it[j]); inc[k] = inc[k] + 1 end
  end
end
${HOLD_ITEMS}local held = holdItems()
for n in pairs(held) do
  for j = 4, #items[n] do local k = math.abs(items[n][j]); inc[k] = inc[k] - 1 end
end
local count, ready = {}, {}
for from = 1, #depIds, 1000 do
  local cur = redis.call('HMGET', KEYS[3], unpack(depIds, from, math.min(from + 999, #depIds)))
  for j = 1, #cur do
    local k = from + j - 1
    count[k] = (cur[j] and tonumber(cur[j]) or 0) + inc[k]
    ready[k] = count[k] == deps[k][2]
  end
end
local budget, cluster = spec.b or 0, {}
for _, n in ipairs(spec.m or {}) do cluster[n] = true end
local claimedBy, claims, extra = {}, {}, {}
for n = 1, #items do
  -- A held item claims nothing: it did not complete.
  local it = held[n] and {} or items[n]
  local got = false
  for j = 4, #it do
    local k = it[j]
    if k > 0 and ready[k] and claimedBy[k] == nil then
      if not got then
        claimedBy[k] = n
        claims[#claims + 1] = { n - 1, depIds[k] }
        got = true
        if not cluster[n] then break end
      elseif budget > 0 then
        claimedBy[k] = n
        extra[#extra + 1] = { n - 1, depIds[k] }
        budget = budget - 1
      else
        break
      end
    end
  end
end
local write, resend, unwritten = {}, {}, {}
for n = 1, #items do
  local it = items[n]
  local w = it[2] == 1 or again[n] or #it < 4
  if not w then
    for j = 4, #it do
      if claimedBy[math.abs(it[j])] == nil then w = true; break end
    end
  end
  if held[n] then w = false end
  write[n] = w
  if w and not it[3] then resend[#resend + 1] = it[1] end
  if not w and not held[n] then unwritten[#unwritten + 1] = n - 1 end
end
if #resend > 0 then return cjson.encode({ s = 'resend', n = resend }) end
local fresh, fields, bytes, repeated = {}, {}, 0, {}
for n = 1, #items do
  local it = items[n]
  if again[n] then repeated[#repeated + 1] = n - 1 end
  if not again[n] and not held[n] then
    fresh[#fresh + 1] = it[1]
    -- A first completion's output is a new field: one variadic HSET for all of them.
    if write[n] then
      local out = ARGV[it[3]]
      fields[#fields + 1] = it[1]; fields[#fields + 1] = out
      bytes = bytes + string.len(out)
    end
  end
end
chunked('SADD', KEYS[2], fresh)
chunked('HSET', KEYS[4], fields)
for n = 1, #items do
  local it = items[n]
  if again[n] and write[n] and redis.call('HSET', KEYS[4], it[1], ARGV[it[3]]) == 1 then
    bytes = bytes + string.len(ARGV[it[3]])
  end
end
if bytes > 0 then redis.call('HINCRBY', KEYS[1], 'bytesWritten', bytes) end
local counts, handoffs = {}, {}
for k = 1, #deps do
  if inc[k] > 0 then counts[#counts + 1] = depIds[k]; counts[#counts + 1] = count[k] end
  if ready[k] and claimedBy[k] == nil then handoffs[#handoffs + 1] = depIds[k] end
end
chunked('HSET', KEYS[3], counts)
if ARGV[3] ~= '' then redis.call('RPUSH', KEYS[6], ARGV[3]) end
${FETCH_OUTPUTS}local fetched = {}
for _, c in ipairs(claims) do fetch(fetched, spec.f[c[2]]) end
for _, c in ipairs(extra) do fetch(fetched, spec.f[c[2]]) end
local heldList = {}
for n in pairs(held) do heldList[#heldList + 1] = n - 1 end
${markFinished(2)}return cjson.encode({ s = 'ok', c = claims, x = extra, h = handoffs, u = unwritten, a = repeated, o = fetched, f = finished, y = heldList })
`;

/** Appends hand-offs of one run to one group's stream, one entry each. KEYS: stream. ARGV: runId, instanceId, instanceId, … */
export const PUSH_SCRIPT = `
local run = ARGV[1]
for i = 2, #ARGV do redis.call('XADD', KEYS[1], '*', 'r', run, 'i', ARGV[i]) end
return #ARGV - 1
`;

/** Acknowledges and deletes delivered hand-offs. KEYS: stream. ARGV: consumer group, ids… */
export const ACK_SCRIPT = `
local group = ARGV[1]
local deleted = 0
for first = 2, #ARGV, 4000 do
  local last = math.min(first + 3999, #ARGV)
  redis.call('XACK', KEYS[1], group, unpack(ARGV, first, last))
  deleted = deleted + redis.call('XDEL', KEYS[1], unpack(ARGV, first, last))
end
return deleted
`;

/**
 * Records one run into a structure's history, atomically, trimming every list to its cap.
 * KEYS: meta, counts, runs, details, detailOrder, lengthKeys, then one samples list per entry of
 * `s`, then one lengths list per entry of `l` (all of one structure: one hash tag).
 * ARGV: JSON { w = workflow, c = className, at, id = runId, sum = summary JSON, d = detail JSON or false,
 *   s = [[field, [sample JSON…]]], l = [[key, length]], cap = { s, l, r, d } }.
 */
export const HISTORY_RECORD_SCRIPT = `
local a = cjson.decode(ARGV[1])
if a.at < tonumber(redis.call('HGET', KEYS[1], 'firstAt') or '1e300') then redis.call('HSET', KEYS[1], 'firstAt', a.at) end
redis.call('HSET', KEYS[1], 'workflow', a.w, 'className', a.c)
redis.call('HINCRBY', KEYS[1], 'runs', 1)
if a.at > tonumber(redis.call('HGET', KEYS[1], 'lastAt') or '0') then redis.call('HSET', KEYS[1], 'lastAt', a.at) end
local k = 7
for _, s in ipairs(a.s) do
  redis.call('HINCRBY', KEYS[2], s[1], #s[2])
  redis.call('RPUSH', KEYS[k], unpack(s[2]))
  redis.call('LTRIM', KEYS[k], -a.cap.s, -1)
  k = k + 1
end
for _, l in ipairs(a.l) do
  redis.call('SADD', KEYS[6], l[1])
  redis.call('RPUSH', KEYS[k], l[2])
  redis.call('LTRIM', KEYS[k], -a.cap.l, -1)
  k = k + 1
end
redis.call('LPUSH', KEYS[3], a.sum)
redis.call('LTRIM', KEYS[3], 0, a.cap.r - 1)
if a.d then
  redis.call('HSET', KEYS[4], a.id, a.d)
  redis.call('LPUSH', KEYS[5], a.id)
  local old = redis.call('LRANGE', KEYS[5], a.cap.d, -1)
  for _, id in ipairs(old) do redis.call('HDEL', KEYS[4], id) end
  redis.call('LTRIM', KEYS[5], 0, a.cap.d - 1)
end
return 1
`;

/**
 * Adds or updates a run in the run index and forgets runs that started before a cutoff (at most
 * 100 per call), announcing the run's id on the index channel (a dashboard reads the index at once).
 * KEYS: index, info. ARGV: run id, start (ms), JSON entry, cutoff (ms), index channel.
 */
export const INDEX_RUN_SCRIPT = `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('PUBLISH', ARGV[5], ARGV[1])
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4], 'LIMIT', 0, 100)
if #old > 0 then
  redis.call('ZREM', KEYS[1], unpack(old))
  redis.call('HDEL', KEYS[2], unpack(old))
end
return #old
`;
