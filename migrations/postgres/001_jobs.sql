-- Haven's own job table (the "shadow" of graphile-worker's queue): what a job is
-- for, who asked, and how far it got. A row and its graphile-worker job are
-- created in one transaction (see plugins/app/job-store); the queue's job carries
-- only the row's id. Ids are 24-hex strings, like every id of the API.
CREATE TABLE jobs (
  id text PRIMARY KEY,
  agency_id text NOT NULL,
  user_id text NOT NULL,
  type text NOT NULL,
  status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'expired')),
  priority integer NOT NULL DEFAULT 0,
  params jsonb NOT NULL,
  -- the same user asking for the same work while it is unfinished gets this job
  fingerprint text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL,
  processed bigint NOT NULL DEFAULT 0,
  total bigint,
  -- bumped by every change: the ETag's and the event stream's sequence
  version integer NOT NULL DEFAULT 1,
  -- the attempt allowed to write progress and to finish; a stale attempt's writes match nothing
  run_token text,
  worker_id text,
  cancel_requested_at timestamptz,
  error_code text,
  error_message text,
  result jsonb,
  file_id text,
  file_name text,
  content_type text,
  file_size bigint,
  -- the file an attempt is writing, so the next attempt can delete what a crash left
  pending_file_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  progress_at timestamptz,
  next_attempt_at timestamptz,
  finished_at timestamptz,
  expires_at timestamptz
);

CREATE UNIQUE INDEX jobs_unfinished_fingerprint ON jobs (agency_id, user_id, fingerprint)
  WHERE status IN ('queued', 'running');
-- History pages, newest first: the agency's (admins) and a user's own. Ids are
-- ObjectIds, which start with their creation time, so the id is the keyset.
CREATE INDEX jobs_agency_history ON jobs (agency_id, id DESC);
CREATE INDEX jobs_user_history ON jobs (agency_id, user_id, id DESC);
-- The retention job: finished jobs whose file has expired.
CREATE INDEX jobs_expiring ON jobs (expires_at) WHERE expires_at IS NOT NULL AND status IN ('succeeded', 'failed', 'cancelled');

-- Every change moves the version on (no write path can forget it).
CREATE FUNCTION jobs_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.version := OLD.version + 1;
  NEW.updated_at := clock_timestamp();
  RETURN NEW;
END
$$;
CREATE TRIGGER jobs_version BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION jobs_version();

-- Every committed change of a job is announced to every instance (LISTEN
-- haven_job_events): the event streams and the cooperative cancellation read it.
-- A trigger, so no write path can forget, and only committed states are heard.
CREATE FUNCTION jobs_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('haven_job_events', json_build_object(
    'id', NEW.id, 'agencyId', NEW.agency_id, 'version', NEW.version, 'status', NEW.status,
    'cancelRequested', NEW.cancel_requested_at IS NOT NULL
  )::text);
  RETURN NULL;
END
$$;
CREATE TRIGGER jobs_announce AFTER INSERT OR UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION jobs_announce();

-- In-app notifications (GET /v1/notifications): one per user, job and event,
-- written in the transaction that finishes the job.
CREATE TABLE notifications (
  id text PRIMARY KEY,
  agency_id text NOT NULL,
  user_id text NOT NULL,
  job_id text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  event text NOT NULL,
  title text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at timestamptz,
  UNIQUE (job_id, event, user_id)
);
CREATE INDEX notifications_inbox ON notifications (agency_id, user_id, id DESC);
CREATE INDEX notifications_unread ON notifications (agency_id, user_id, id DESC) WHERE read_at IS NULL;

-- Webhook deliveries: at most one per job and event (the primary key), queued
-- in the transaction that finishes the job; delivered_at set once the receiver
-- accepted it, so a retried delivery job never posts twice after a success.
CREATE TABLE webhook_deliveries (
  id text PRIMARY KEY,
  agency_id text NOT NULL,
  job_id text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  event text NOT NULL,
  payload jsonb NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  last_status integer,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  UNIQUE (job_id, event)
);

-- Each worker process (a graphile-worker pool: the id its jobs are locked by)
-- says it is alive; jobs locked by a pool silent for too long are unlocked.
CREATE TABLE worker_heartbeats (
  worker_id text PRIMARY KEY,
  host text NOT NULL,
  pid integer NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  seen_at timestamptz NOT NULL DEFAULT now()
);
