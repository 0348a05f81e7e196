ALTER TABLE certificate_batches DROP COLUMN last_participant_id;
ALTER TABLE certificate_batches DROP COLUMN revoked;
DROP TABLE certificate_reissues;
