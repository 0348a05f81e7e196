-- Every message keeps one Message-ID from the moment it is queued, so a resend after a
-- crash (or "erneut senden") reaches the recipient as recognisably the same mail. Messages
-- queued before this migration get one now; the worker sends the stored value verbatim.
-- The app always sets one; the default serves rows written by other means (an operator's
-- INSERT).
ALTER TABLE mail_outbox ADD COLUMN message_id TEXT NOT NULL
    DEFAULT ('<' || md5(random()::text || clock_timestamp()::text) || '@mietschulung.invalid>');
CREATE UNIQUE INDEX mail_outbox_message_id ON mail_outbox(message_id);
-- The coordinator's list of failed mail reads by organisation and status.
CREATE INDEX mail_outbox_org_status ON mail_outbox(organisation_id, status);
