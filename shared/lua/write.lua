-- The one write path for job records: a guarded, atomic update of job:<uuid> and everything
-- that must change with it (checkpoint, event, lease, status index, counters, queue entry).
--
-- The guard reads the current status and attempt from the start of the stored JSON: JobRecord
-- serialises job_id, status and attempt first (tests/unit/test_models.py holds that), so the
-- check costs the same whatever the record's size, and the record is never decoded here.
--
-- Few arguments on purpose (each costs the client time to encode): the options travel as one
-- small JSON object. The key names come from shared/keys.py: the store writes them into the
-- script as a table where it says __KEY_NAMES__ when it loads it, so no call decodes them.
--
-- KEYS[1]  the record, job:<uuid>
-- ARGV[1]  'create' or 'update'         ARGV[2]  the new record (JSON)
-- ARGV[3]  options (JSON):
--   id, status (new), ttl (s), now (ms), created (ms)
--   attempt    expected attempt (update; absent = any)
--   allowed    ',a,b,' statuses the record may be in (update; absent = any)
--   entry      the queue entry the record must name as its dispatch (a claim: only the job's
--              current entry may start it)
--   checkpoint step name whose output is ARGV[4]
--   lease_rm, lease_add, lease_until (ms)        leases to remove / add
--   dispatch, score (ms), entry_ttl (ms)         queue the entry ARGV[6] under id `dispatch`
--   finish     queue entry to finish for good: its data, taken mark and place in the queue
--   idem       '<job id>|<body hash>' kept under ARGV[7] (create)
--   cap        refuse a create when the queue holds this many entries
--   owner      the API key's id: the job joins that owner's listing index (create)
--   code       error code (for the failed counter)
--   terminal   true when the new status is terminal
-- ARGV[4]  checkpoint (JSON)   ARGV[5]  event (JSON)   ARGV[6]  arq entry
-- ARGV[7]  the idempotency key's name ('' when none)
--
-- Returns {1, ''} written; {0, ''} no record (or, for create, it exists);
--         {-1, cur} wrong attempt; {-2, cur} status not allowed;
--         {2, prior} (create) the idempotency key is taken: prior is its value;
--         {-5, ''} (create) the queue is full.

local o = cjson.decode(ARGV[3])
local k = __KEY_NAMES__
local id = o.id
local old_status = nil

if ARGV[1] == 'create' then
  if o.idem then
    local prior = redis.call('GET', ARGV[7])
    if prior then return {2, prior} end
  end
  if o.cap and o.cap > 0 and redis.call('ZCARD', k.queue) >= o.cap then return {-5, ''} end
  if redis.call('EXISTS', KEYS[1]) == 1 then return {0, ''} end
  if o.idem then redis.call('SET', ARGV[7], o.idem, 'EX', o.ttl) end
  redis.call('ZADD', k.index, o.created, id)
  if o.owner then redis.call('ZADD', k.owner_prefix .. o.owner, o.created, id) end
else
  local cur = redis.call('GET', KEYS[1])
  if not cur then return {0, ''} end
  local status, attempt = string.match(cur, '^{"job_id":"[^"]*","status":"(%a+)","attempt":(%d+)')
  if o.attempt and tonumber(attempt) ~= o.attempt then return {-1, cur} end
  if o.allowed and not string.find(o.allowed, ',' .. status .. ',', 1, true) then return {-2, cur} end
  if o.entry and not string.find(cur, '"dispatch":"' .. o.entry .. '"', 1, true) then return {-2, cur} end
  old_status = status
end

redis.call('SET', KEYS[1], ARGV[2], 'EX', o.ttl)

if old_status ~= o.status then
  if old_status then redis.call('ZREM', k.status_prefix .. old_status, id) end
  redis.call('ZADD', k.status_prefix .. o.status, o.created, id)
  -- Counters for /metrics and the last hour's finished jobs for queue stats: counted here, once
  -- per real transition, whoever makes it (API, runner, reaper).
  local counter = o.status
  if not old_status then counter = 'submitted'
  elseif o.status == 'failed' then counter = 'failed:' .. (o.code or 'unknown')
  elseif o.status == 'pending' then counter = 'requeued:' .. old_status end
  if counter ~= 'processing' then redis.call('HINCRBY', k.counters, counter, 1) end  -- /metrics has no use for it
  local recent = ({completed = k.recent_completed, failed = k.recent_failed})[o.status]
  if recent then redis.call('ZADD', recent, o.now, id) end  -- readers trim what is over an hour old
end
if o.checkpoint then
  local steps = KEYS[1] .. k.steps_suffix
  redis.call('HSET', steps, o.checkpoint, ARGV[4])
  redis.call('EXPIRE', steps, o.ttl)
end
if ARGV[5] ~= '' then
  local events = KEYS[1] .. k.events_suffix
  redis.call('XADD', events, 'MAXLEN', '~', k.events_max, '*', 'data', ARGV[5])
  -- The stream lives as long as the record: its TTL is set when it starts and when the job ends
  -- (a job's deadline is far shorter than the TTL, so no refresh is needed in between).
  if not old_status or o.terminal then redis.call('EXPIRE', events, o.ttl) end
end
if o.lease_rm then redis.call('ZREM', k.leases, o.lease_rm) end
if o.lease_add then redis.call('ZADD', k.leases, o.lease_until, o.lease_add) end
if o.finish then
  redis.call('DEL', k.entry_prefix .. o.finish, k.taken_prefix .. o.finish)
  redis.call('ZREM', k.queue, o.finish)
end
if o.dispatch then
  redis.call('SET', k.entry_prefix .. o.dispatch, ARGV[6], 'PX', o.entry_ttl)
  redis.call('ZADD', k.queue, o.score, o.dispatch)
  if o.score <= o.now then
    if redis.call('LPUSH', k.wake, '1') > 64 then redis.call('LTRIM', k.wake, 0, 63) end
  end
end
return {1, ''}
