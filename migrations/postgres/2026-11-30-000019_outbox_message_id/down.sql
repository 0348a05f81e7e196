DROP INDEX mail_outbox_org_status;
DROP INDEX mail_outbox_message_id;
ALTER TABLE mail_outbox DROP COLUMN message_id;
