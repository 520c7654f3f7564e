-- Job history retention (the prune-job-history task): finished jobs whose files
-- are gone are deleted JOB_RETENTION_DAYS after they finished, with their
-- notifications and webhook deliveries (ON DELETE CASCADE); notifications are
-- deleted NOTIFICATION_RETENTION_DAYS after they were made. Both walk an index
-- in age order, a bounded batch at a time.
CREATE INDEX jobs_finished_history ON jobs (finished_at)
  WHERE expires_at IS NULL AND status IN ('succeeded', 'failed', 'cancelled', 'expired');
CREATE INDEX notifications_age ON notifications (created_at);
