-- Every message keeps one Message-ID from the moment it is queued, so a resend after a
-- crash (or "erneut senden") reaches the recipient as recognisably the same mail. Messages
-- queued before this migration get one now; the worker sends the stored value verbatim.
ALTER TABLE mail_outbox ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
UPDATE mail_outbox
   SET message_id = '<' || lower(hex(randomblob(16))) || '.' || id || '@mietschulung.invalid>';
CREATE UNIQUE INDEX mail_outbox_message_id ON mail_outbox(message_id);
-- The app always sets one; a row written by other means (an operator's INSERT) gets its
-- own, since SQLite cannot add a column whose default differs per row.
CREATE TRIGGER mail_outbox_message_id AFTER INSERT ON mail_outbox
WHEN NEW.message_id = ''
BEGIN
    UPDATE mail_outbox
       SET message_id = '<' || lower(hex(randomblob(16))) || '.' || NEW.id || '@mietschulung.invalid>'
     WHERE id = NEW.id;
END;
-- The coordinator's list of failed mail reads by organisation and status.
CREATE INDEX mail_outbox_org_status ON mail_outbox(organisation_id, status);
