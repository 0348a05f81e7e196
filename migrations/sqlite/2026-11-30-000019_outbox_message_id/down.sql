DROP INDEX mail_outbox_org_status;
DROP TRIGGER mail_outbox_message_id;
DROP INDEX mail_outbox_message_id;
ALTER TABLE mail_outbox DROP COLUMN message_id;
