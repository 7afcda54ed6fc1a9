/**
 * Lua of pre-load (see `RunStore.reservePreload`): one worker of a run pre-loads a fan-in's
 * inputs, and the outputs it holds for that fan-in are marked held there, so that delayed I/O
 * elsewhere sends its outputs on at once instead of waiting for them.
 * KEYS: meta, counts. ARGV: fan-in id, worker id, held instance ids….
 * Returns 1 when `worker` pre-loads the fan-in (it reserved it now or before), 0 when another
 * worker does, or the run is not running.
 */
export const RESERVE_PRELOAD_SCRIPT = `
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
local field = 'preload:' .. ARGV[1]
local holder = redis.call('HGET', KEYS[2], field)
if holder and holder ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[2], field, ARGV[2])
-- A held size above any output's: delayed I/O elsewhere (yielding to larger inputs) sends its output on.
for i = 3, #ARGV do redis.call('HSET', KEYS[2], 'held:' .. ARGV[i], '9007199254740991:' .. ARGV[2]) end
return 1
`;
