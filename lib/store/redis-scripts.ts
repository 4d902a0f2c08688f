/**
 * Lua functions of the scripts that save records, given `now` (Redis's time, epoch ms):
 * - current_record(key, circuit, skew): what `key` holds as a record of `circuit` (a table), or
 *   nil and whether it held garbage (something that is not a valid record).
 * - save_record(key, circuit, state, openUntil, manual, ttl, channel, skew): SAVE_SCRIPT's step.
 */
export const SAVE_RECORD_FUNCTIONS = `
local states = { closed = true, open = true, forced_open = true, disabled = true }
-- As invalidRecordReason() in shared-state-record.ts checks it (2147483647: the longest open).
local function valid(record, circuit, skew)
  if type(record) ~= 'table' or record.circuit ~= circuit or not states[record.state] then
    return false
  end
  local openUntil, version, manual = record.openUntil, record.version, record.manual
  return type(openUntil) == 'number' and openUntil >= 0 and openUntil <= now + 2147483647 + skew
    and type(version) == 'number' and version >= 1 and version == math.floor(version)
    and version <= now + skew and (manual == nil or type(manual) == 'boolean')
end
-- Returns the record (a table) or nil, the text held, and 1 if the key held garbage.
local function current_record(key, circuit, skew)
  local got = redis.pcall('GET', key)
  if type(got) == 'table' and got.err then return nil, nil, 1 end
  if not got then return nil, nil, 0 end
  local ok, current = pcall(cjson.decode, got)
  if ok and valid(current, circuit, skew) then return current, got, 0 end
  return nil, nil, 1
end
local function save_record(key, circuit, state, openUntil, manual, ttl, channel, skew)
  local version = now
  local current, got, garbage = current_record(key, circuit, skew)
  if current then
    if current.version >= version then version = current.version + 1 end
    if (current.state == 'forced_open' or current.state == 'disabled') and not manual then
      return { 0, got, 0 }
    end
  end
  local record = cjson.encode({
    circuit = circuit, state = state, openUntil = openUntil, manual = manual, version = version
  })
  if tonumber(ttl) > 0 then
    redis.call('SET', key, record, 'PX', ttl)
  else
    redis.call('SET', key, record)
  end
  redis.call('PUBLISH', channel, record)
  return { 1, record, garbage }
end
`;

/**
 * Saves a circuit's record and publishes it, in one step. KEYS: record, and the circuit's fleet
 * votes and outcomes (see FLEET_SCRIPT). ARGV: circuit, state, openUntil, manual ('1' or '0'),
 * ttl ms (0: none), channel, max clock skew ms.
 *
 * - The version is Redis's clock in epoch milliseconds, raised past the stored record's:
 *   records keep their order through a Redis that restarts empty.
 * - An operator's forced state (forced_open, disabled) gives way only to a manual record: an
 *   automatic one is refused, and the record that holds is returned to its sender.
 * - A manual record clears the fleet's votes and outcomes: an operator's state starts the
 *   evidence afresh (a vote sent before it cannot open the circuit after it).
 * - Whatever the key held that is not a valid record (another type, not JSON, a field of the
 *   wrong type, a version from the far future) is replaced: it neither orders nor refuses
 *   anything.
 *
 * Returns { 1 (saved) or 0 (refused), the record that holds, 1 if the key held garbage }.
 */
export const SAVE_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
${SAVE_RECORD_FUNCTIONS}
local saved = save_record(KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4] == '1', ARGV[5], ARGV[6], tonumber(ARGV[7]))
if saved[1] == 1 and ARGV[4] == '1' and KEYS[3] then redis.call('DEL', KEYS[2], KEYS[3]) end
return saved
`;

/**
 * Takes one of ARGV[1] probe permits of a half-open period (KEYS[1]: how many are taken); the
 * count expires ARGV[2] ms after the latest permit (as long as a probe may run), so permits taken
 * by a replica that went away come back. A refusal takes nothing. A key that holds something
 * else is replaced. Returns 1 when granted.
 */
export const ACQUIRE_PROBE_SCRIPT = `
local taken = redis.pcall('GET', KEYS[1])
taken = type(taken) == 'string' and tonumber(taken) or 0
if taken < 0 or taken ~= math.floor(taken) then taken = 0 end
if taken >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], taken + 1, 'PX', ARGV[2])
return 1
`;

/**
 * Gives back up to ARGV[1] probe permits of a half-open period (KEYS[1]) that no probe used:
 * another replica may take them. The count keeps its expiry; nothing is done to any other key.
 */
export const RELEASE_PROBE_SCRIPT = `
local taken = redis.pcall('GET', KEYS[1])
taken = type(taken) == 'string' and tonumber(taken) or 0
if taken <= 0 or taken ~= math.floor(taken) then return 0 end
return redis.call('DECRBY', KEYS[1], math.min(taken, tonumber(ARGV[1])))
`;
