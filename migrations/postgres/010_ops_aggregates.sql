-- The performance report's store: each Haven process writes what it saw per minute
-- (per route, per MongoDB query shape, per cache, per job task, its own figures and
-- the agencies that cost the most request time), so GET /ops/performance covers every
-- instance. Rows are added, never updated: a process that writes more than once in a
-- minute adds rows the report sums. Kept OPS_RETENTION_DAYS (default 7), then deleted.
-- buckets: counts per latency bucket (not cumulative), bounds in plugins/external/metrics.ts
-- (LATENCY_BUCKETS, then +Inf) or, for jobs, plugins/app/jobs/job-metrics.ts.
CREATE SCHEMA IF NOT EXISTS ops;

CREATE TABLE ops.route_minutes (
  minute timestamptz NOT NULL,
  instance text NOT NULL,
  method text NOT NULL,
  route text NOT NULL,
  requests integer NOT NULL,
  server_errors integer NOT NULL,
  client_errors integer NOT NULL,
  duration_sum_s double precision NOT NULL,
  buckets integer[] NOT NULL
);
CREATE INDEX route_minutes_minute ON ops.route_minutes (minute);

CREATE TABLE ops.query_minutes (
  minute timestamptz NOT NULL,
  instance text NOT NULL,
  collection text NOT NULL,
  command text NOT NULL,
  shape text NOT NULL,
  commands integer NOT NULL,
  failures integer NOT NULL,
  duration_sum_s double precision NOT NULL,
  buckets integer[] NOT NULL
);
CREATE INDEX query_minutes_minute ON ops.query_minutes (minute);

CREATE TABLE ops.cache_minutes (
  minute timestamptz NOT NULL,
  instance text NOT NULL,
  cache text NOT NULL,
  hit integer NOT NULL,
  stale integer NOT NULL,
  miss integer NOT NULL,
  coalesced integer NOT NULL,
  bypass integer NOT NULL
);
CREATE INDEX cache_minutes_minute ON ops.cache_minutes (minute);

CREATE TABLE ops.job_minutes (
  minute timestamptz NOT NULL,
  instance text NOT NULL,
  task text NOT NULL,
  succeeded integer NOT NULL,
  failed integer NOT NULL,
  permanent_failures integer NOT NULL,
  duration_sum_s double precision NOT NULL,
  buckets integer[] NOT NULL
);
CREATE INDEX job_minutes_minute ON ops.job_minutes (minute);

-- A process's own figures: memory, CPU, event loop, breaker, pools, shedding.
CREATE TABLE ops.process_minutes (
  minute timestamptz NOT NULL,
  instance text NOT NULL,
  role text NOT NULL,
  seconds double precision NOT NULL,
  rss_bytes bigint NOT NULL,
  rss_limit_bytes bigint NOT NULL,
  heap_used_bytes bigint NOT NULL,
  heap_limit_bytes bigint NOT NULL,
  cpu_seconds double precision NOT NULL,
  event_loop_utilization double precision NOT NULL,
  event_loop_delay_p99_ms double precision NOT NULL,
  breaker_state text NOT NULL,
  breaker_open_seconds integer NOT NULL,
  mongo_open integer NOT NULL,
  mongo_checked_out integer NOT NULL,
  mongo_wait_queue_max integer NOT NULL,
  mongo_checkouts integer NOT NULL,
  mongo_waits integer NOT NULL,
  mongo_checkout_failures integer NOT NULL,
  pg_total integer NOT NULL,
  pg_idle integer NOT NULL,
  pg_waiting_max integer NOT NULL,
  redis_status text NOT NULL,
  redis_down_seconds integer NOT NULL,
  shed integer NOT NULL,
  rate_limited integer NOT NULL
);
CREATE INDEX process_minutes_minute ON ops.process_minutes (minute);

-- The agencies that cost this process the most request time in the minute (a
-- space-saving sketch's heaviest entries; error_ms bounds how much of request_ms may
-- belong to agencies it had to forget).
CREATE TABLE ops.agency_minutes (
  minute timestamptz NOT NULL,
  instance text NOT NULL,
  agency_id text NOT NULL,
  requests integer NOT NULL,
  request_ms double precision NOT NULL,
  error_ms double precision NOT NULL
);
CREATE INDEX agency_minutes_minute ON ops.agency_minutes (minute);
