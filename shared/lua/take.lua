-- Take up to ARGV[2] queue entries that are due, for one worker, in one round trip.
--
-- Each entry taken leaves the queue (so the queue holds only waiting jobs) and is marked taken
-- (arq's in-progress key, with a TTL) until the worker finishes it through write.lua. Returned
-- with each: the entry's payload and the job record it names, so the worker needs no more reads
-- before claiming. A worker that dies between taking and claiming leaves a pending record whose
-- entry is taken: the reconciler queues it again.
--
-- KEYS: 1 queue.  ARGV: 1 now ms  2 how many  3 taken-mark ttl ms
-- Key names: the store writes them in where it says __KEY_NAMES__ (see write.lua).
-- Returns a flat list: entry id, payload, record (false if none), entry id, ...

local k = __KEY_NAMES__
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local payload = redis.call('GET', k.entry_prefix .. id)
  if payload then
    redis.call('SET', k.taken_prefix .. id, '1', 'PX', ARGV[3])
    local job_id = string.match(payload, '"job_id":"([%w%-]+)"')
    local record = false
    if job_id then record = redis.call('GET', k.job_prefix .. job_id) end
    out[#out + 1] = id
    out[#out + 1] = payload
    out[#out + 1] = record
  end
end
return out
