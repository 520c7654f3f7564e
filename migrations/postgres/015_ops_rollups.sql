-- Roll-ups of the performance report's per-minute aggregates (010_ops_aggregates.sql), so a
-- report over a day or a week reads a few thousand rows whatever the number of instances:
-- ten-minute rows made from the minutes, hourly rows made from the ten-minute ones
-- (width_s 600 and 3600), by the scheduled job roll-up-ops-aggregates
-- (plugins/app/ops-report/rollups.ts). Every figure is a sum, a maximum or a minimum of the
-- rows below it, so a window reads the same figures from either: latency buckets are summed
-- bucket by bucket (percentiles come from the sums), the agencies' request time is summed per
-- agency like the report sums the minutes' sketches. Rows are per figure's key across every
-- instance, except process_rollups (per instance). Counts are bigint: a week of a busy fleet
-- passes 2^31.
CREATE TABLE ops.route_rollups (
  width_s integer NOT NULL,
  start timestamptz NOT NULL,
  method text NOT NULL,
  route text NOT NULL,
  requests bigint NOT NULL,
  server_errors bigint NOT NULL,
  client_errors bigint NOT NULL,
  duration_sum_s double precision NOT NULL,
  buckets bigint[] NOT NULL,
  PRIMARY KEY (width_s, start, method, route)
);

CREATE TABLE ops.query_rollups (
  width_s integer NOT NULL,
  start timestamptz NOT NULL,
  collection text NOT NULL,
  command text NOT NULL,
  shape text NOT NULL,
  commands bigint NOT NULL,
  failures bigint NOT NULL,
  duration_sum_s double precision NOT NULL,
  buckets bigint[] NOT NULL,
  PRIMARY KEY (width_s, start, collection, command, shape)
);

CREATE TABLE ops.cache_rollups (
  width_s integer NOT NULL,
  start timestamptz NOT NULL,
  cache text NOT NULL,
  hit bigint NOT NULL,
  stale bigint NOT NULL,
  miss bigint NOT NULL,
  coalesced bigint NOT NULL,
  bypass bigint NOT NULL,
  PRIMARY KEY (width_s, start, cache)
);

CREATE TABLE ops.job_rollups (
  width_s integer NOT NULL,
  start timestamptz NOT NULL,
  task text NOT NULL,
  succeeded bigint NOT NULL,
  failed bigint NOT NULL,
  permanent_failures bigint NOT NULL,
  duration_sum_s double precision NOT NULL,
  buckets bigint[] NOT NULL,
  PRIMARY KEY (width_s, start, task)
);

CREATE TABLE ops.agency_rollups (
  width_s integer NOT NULL,
  start timestamptz NOT NULL,
  agency_id text NOT NULL,
  requests bigint NOT NULL,
  request_ms double precision NOT NULL,
  error_ms double precision NOT NULL,
  PRIMARY KEY (width_s, start, agency_id)
);

-- Per instance: sums and extremes of its minutes, and the state it reported last
-- (last_minute's role, memory, breaker, pools, Redis). rows and elu_sum give the mean
-- event-loop utilisation of the minutes.
CREATE TABLE ops.process_rollups (
  width_s integer NOT NULL,
  start timestamptz NOT NULL,
  instance text NOT NULL,
  rows integer NOT NULL,
  first_minute timestamptz NOT NULL,
  last_minute timestamptz NOT NULL,
  role text NOT NULL,
  seconds double precision NOT NULL,
  rss_bytes bigint NOT NULL,
  rss_max bigint NOT NULL,
  rss_limit_bytes bigint NOT NULL,
  heap_used_bytes bigint NOT NULL,
  heap_limit_bytes bigint NOT NULL,
  cpu_seconds double precision NOT NULL,
  elu_sum double precision NOT NULL,
  event_loop_delay_p99_ms double precision NOT NULL,
  breaker_state text NOT NULL,
  breaker_open_seconds bigint NOT NULL,
  mongo_open integer NOT NULL,
  mongo_checked_out integer NOT NULL,
  mongo_wait_queue_max integer NOT NULL,
  mongo_checkouts bigint NOT NULL,
  mongo_waits bigint NOT NULL,
  mongo_checkout_failures bigint NOT NULL,
  pg_total integer NOT NULL,
  pg_idle integer NOT NULL,
  pg_waiting_max integer NOT NULL,
  redis_status text NOT NULL,
  redis_down_seconds bigint NOT NULL,
  shed bigint NOT NULL,
  rate_limited bigint NOT NULL,
  PRIMARY KEY (width_s, start, instance)
);

-- How far each width is rolled up: every period before done_until is in its rows (and no
-- later minute row is ever written before it: a late flush is counted in the first minute
-- not rolled up yet). NULL: never rolled up. The job locks a width's row while it rolls;
-- flushes share the ten-minute row's lock while they write.
CREATE TABLE ops.rollup_state (
  width_s integer PRIMARY KEY,
  done_until timestamptz
);
INSERT INTO ops.rollup_state (width_s) VALUES (600), (3600);
