-- Waiting lists, referrers (registration on behalf) and secret calendar feed links.
ALTER TABLE participants ADD COLUMN referrer_name TEXT;
ALTER TABLE participants ADD COLUMN referrer_organisation TEXT;
ALTER TABLE participants ADD COLUMN referrer_contact TEXT;
ALTER TABLE enrollments ADD COLUMN cancelled_at TIMESTAMP;
ALTER TABLE enrollments ADD COLUMN promoted_at TIMESTAMP;
ALTER TABLE users ADD COLUMN calendar_token TEXT;
ALTER TABLE course_runs ADD COLUMN calendar_token TEXT;
CREATE UNIQUE INDEX users_calendar_token ON users(calendar_token);
CREATE UNIQUE INDEX course_runs_calendar_token ON course_runs(calendar_token);
CREATE INDEX enrollments_queue ON enrollments(run_id, status, created_at);
