import { SAVE_RECORD_FUNCTIONS } from './redis-scripts.js';

/**
 * One replica's word on a circuit, and the fleet's decision, in one step (the rules of
 * FleetTally in fleet-tally.ts). Every key has the circuit's hash tag: one Cluster slot.
 *
 * KEYS: record, voters (sorted set: replica → time of its latest trip), active (sorted set:
 * replica → time of its latest report or trip), outcomes (hash: `<bucket>:o` and `<bucket>:f`).
 * ARGV: circuit, replica, vote ('1' a trip, '0' a report), openUntil (the voter's), windowMs,
 * minReplicas, ratio, outcomes, failures, failureRateThreshold (0: none, or not 'rate'),
 * minimumThroughput, resetTimeoutMs, channel, max clock skew ms, buckets per window,
 * openForAtMostMs (an open record ending further away holds nothing).
 *
 * - The replica is active at Redis's time; those not heard from within the window are dropped.
 * - A trip is a vote, kept for the window: the circuit opens for all when the distinct voters
 *   reach max(minReplicas, ceil(ratio × active replicas)) (as quorumOf() in fleet-options.ts).
 * - With a failure rate threshold, the outcomes are added to the current bucket, buckets that
 *   ended before the window began are dropped, and the circuit opens for all when the window
 *   holds minimumThroughput outcomes and failures / outcomes reaches the threshold (open until
 *   now + resetTimeoutMs).
 * - A trip while an operator's forced state holds, or while the circuit is open for all (not
 *   yet ended), counts for nothing: that record is returned to the voter, to adopt. A forced
 *   state refuses an opening by the rate too. Any other record is replaced (one from the far
 *   future too). Opening clears the votes and outcomes: the next needs evidence of its own.
 * - A key of another type is replaced.
 *
 * Returns { 1 (opened for all) or 0, the record saved or that holds (or false), 1 if the record key
 * held garbage }.
 */
export const FLEET_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
${SAVE_RECORD_FUNCTIONS}
local circuit, replica = ARGV[1], ARGV[2]
local window = tonumber(ARGV[5])
local since = now - window
local function of_type(key, kind)
  local held = redis.call('TYPE', key)['ok']
  if held ~= kind and held ~= 'none' then redis.call('DEL', key) end
end
local function mark(key)
  of_type(key, 'zset')
  redis.call('ZADD', key, now, replica)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. since)
  redis.call('PEXPIRE', key, window * 2)
end
mark(KEYS[3])
local skew = tonumber(ARGV[14])
local current, got = current_record(KEYS[1], circuit, skew)
local forced = current and (current.state == 'forced_open' or current.state == 'disabled')
-- Open for all, not yet ended, and no further away than the circuit ever stays open: a record
-- from the far future (written by hand) holds nothing.
local fleetOpen = current and current.state == 'open' and current.openUntil > now
  and current.openUntil <= now + tonumber(ARGV[16])
-- A trip while the fleet is open (or forced) is part of what holds: the voter takes that.
if ARGV[3] == '1' and (forced or fleetOpen) then return { 0, got, 0 } end
local open = false
local openUntil = tonumber(ARGV[4])
if ARGV[3] == '1' then
  mark(KEYS[2])
  local voters = redis.call('ZCARD', KEYS[2])
  local active = redis.call('ZCARD', KEYS[3])
  open = voters >= math.max(tonumber(ARGV[6]), math.ceil(tonumber(ARGV[7]) * active - 1e-9))
end
local threshold = tonumber(ARGV[10])
if threshold > 0 and tonumber(ARGV[8]) > 0 then
  of_type(KEYS[4], 'hash')
  local bucketMs = math.max(1, math.ceil(window / tonumber(ARGV[15])))
  local bucket = math.floor(now / bucketMs)
  redis.call('HINCRBY', KEYS[4], bucket .. ':o', ARGV[8])
  redis.call('HINCRBY', KEYS[4], bucket .. ':f', ARGV[9])
  redis.call('PEXPIRE', KEYS[4], window * 2)
  local fields = redis.call('HGETALL', KEYS[4])
  local outcomes, failures = 0, 0
  for i = 1, #fields, 2 do
    local at, kind = string.match(fields[i], '^(%d+):([of])$')
    local count = tonumber(fields[i + 1])
    if at == nil or count == nil or (tonumber(at) + 1) * bucketMs <= since then
      redis.call('HDEL', KEYS[4], fields[i])
    elseif kind == 'o' then
      outcomes = outcomes + count
    else
      failures = failures + count
    end
  end
  if outcomes >= tonumber(ARGV[11]) and outcomes > 0 and failures / outcomes >= threshold then
    open = true
    if ARGV[3] ~= '1' then openUntil = now + tonumber(ARGV[12]) end
  end
end
if not open or fleetOpen then return { 0, false, 0 } end
if forced then return { 0, got, 0 } end
redis.call('DEL', KEYS[2], KEYS[4])
return save_record(KEYS[1], circuit, 'open', openUntil, false,
  math.max(0, openUntil - now) + 86400000, ARGV[13], skew)
`;
