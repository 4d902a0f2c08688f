/**
 * Saves a circuit's record under a new version and publishes it, in one step: replicas apply
 * records in version order, so an older one arriving late never undoes a newer one.
 * KEYS: record, version. ARGV: circuit, state, openUntil, ttl ms (0: none), channel.
 * A closed circuit is the default: its record is deleted.
 */
export const SAVE_SCRIPT = `
local version = redis.call('INCR', KEYS[2])
local record = cjson.encode({ circuit = ARGV[1], state = ARGV[2], openUntil = tonumber(ARGV[3]), version = version })
if ARGV[2] == 'closed' then
  redis.call('DEL', KEYS[1])
elseif tonumber(ARGV[4]) > 0 then
  redis.call('SET', KEYS[1], record, 'PX', ARGV[4])
else
  redis.call('SET', KEYS[1], record)
end
redis.call('PUBLISH', ARGV[5], record)
return version
`;

/**
 * Takes one of ARGV[1] probe permits of a half-open period (KEYS[1]); the count expires after
 * ARGV[2] ms, so permits taken by a replica that went away come back. Returns 1 when granted.
 */
export const ACQUIRE_PROBE_SCRIPT = `
local taken = redis.call('INCR', KEYS[1])
if taken == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if taken <= tonumber(ARGV[1]) then return 1 end
return 0
`;
