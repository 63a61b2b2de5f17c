-- The one write path for job records: a guarded, atomic update of job:<uuid> and everything
-- that must change with it (checkpoint, event, lease, status index, queue entry).
--
-- The guard reads the current status and attempt from the start of the stored JSON: JobRecord
-- serialises job_id, status and attempt first (tests/unit/test_models.py holds that), so the
-- check costs the same whatever the record's size, and no JSON is decoded here.
--
-- KEYS: 1 record  2 checkpoints  3 events  4 leases  5 queue  6 arq job  7 all-jobs index
--       8..12 status indexes (pending, processing, completed, failed, cancelled)  13 idempotency
--       14 job counters (hash)  15, 16 completed / failed in the last hour (scored by when, ms)
-- ARGV: 1 mode ('create' | 'update')   2 new record JSON   3 new status   4 ttl seconds
--       5 expected attempt ('' any)    6 allowed statuses (',a,b,' or '' any)
--       7 checkpoint field ('' none)   8 checkpoint JSON
--       9 event JSON ('' none)        10 events max length
--      11 lease to remove ('' none)   12 lease to add ('' none)   13 lease expiry ms
--      14 arq entry ('' no dispatch)  15 queue score ms   16 arq entry ttl ms
--      17 job id   18 created ms   19 queue entry id
--      20 idempotency value ('' none; create only: '<job id>|<body hash>', kept in KEYS[13])
--      21 queue cap (create only; 0 = none)   22 '1' to drop the record's queue entry
--      23 error code ('' none)   24 now ms
-- Returns {1, ''} written; {0, ''} no record (or, for create, it exists);
--         {-1, cur} wrong attempt; {-2, cur} status not allowed;
--         {2, prior} (create) the idempotency key is taken: prior is its value;
--         {-5, ''} (create) the queue is full.

local status_keys = {pending = 8, processing = 9, completed = 10, failed = 11, cancelled = 12}
local ttl = tonumber(ARGV[4])
local old_status = nil

if ARGV[1] == 'create' then
  if ARGV[20] ~= '' then
    local prior = redis.call('GET', KEYS[13])
    if prior then return {2, prior} end
  end
  local cap = tonumber(ARGV[21])
  if cap > 0 and redis.call('ZCARD', KEYS[5]) >= cap then return {-5, ''} end
  if redis.call('EXISTS', KEYS[1]) == 1 then return {0, ''} end
  if ARGV[20] ~= '' then redis.call('SET', KEYS[13], ARGV[20], 'EX', ttl) end
  redis.call('ZADD', KEYS[7], ARGV[18], ARGV[17])
else
  local cur = redis.call('GET', KEYS[1])
  if not cur then return {0, ''} end
  local status, attempt = string.match(cur, '^{"job_id":"[^"]*","status":"(%a+)","attempt":(%d+)')
  if ARGV[5] ~= '' and attempt ~= ARGV[5] then return {-1, cur} end
  if ARGV[6] ~= '' and not string.find(ARGV[6], ',' .. status .. ',', 1, true) then
    return {-2, cur}
  end
  old_status = status
end

redis.call('SET', KEYS[1], ARGV[2], 'EX', ttl)

if old_status ~= ARGV[3] then
  if old_status then redis.call('ZREM', KEYS[status_keys[old_status]], ARGV[17]) end
  redis.call('ZADD', KEYS[status_keys[ARGV[3]]], ARGV[18], ARGV[17])
  -- Counters for /metrics and the last hour's finished jobs for queue stats: counted here, once
  -- per real transition, whoever makes it (API, runner, reaper).
  local counter = ARGV[3]
  if not old_status then counter = 'submitted'
  elseif ARGV[3] == 'failed' then counter = 'failed:' .. ARGV[23]
  elseif ARGV[3] == 'pending' then counter = 'requeued:' .. old_status end
  redis.call('HINCRBY', KEYS[14], counter, 1)
  local recent = ({completed = 15, failed = 16})[ARGV[3]]
  if recent then
    redis.call('ZADD', KEYS[recent], ARGV[24], ARGV[17])
    redis.call('ZREMRANGEBYSCORE', KEYS[recent], '-inf', tonumber(ARGV[24]) - 3600000)
  end
end
if ARGV[7] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[7], ARGV[8])
  redis.call('EXPIRE', KEYS[2], ttl)
end
if ARGV[9] ~= '' then
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[10], '*', 'data', ARGV[9])
  redis.call('EXPIRE', KEYS[3], ttl)
end
if ARGV[11] ~= '' then redis.call('ZREM', KEYS[4], ARGV[11]) end
if ARGV[12] ~= '' then redis.call('ZADD', KEYS[4], ARGV[13], ARGV[12]) end
if ARGV[22] == '1' then
  redis.call('DEL', KEYS[6])
  redis.call('ZREM', KEYS[5], ARGV[19])
end
if ARGV[14] ~= '' then
  redis.call('SET', KEYS[6], ARGV[14], 'PX', ARGV[16])
  redis.call('ZADD', KEYS[5], ARGV[15], ARGV[19])
end
return {1, ''}
