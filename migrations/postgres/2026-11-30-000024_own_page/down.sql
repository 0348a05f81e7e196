ALTER TABLE participants DROP COLUMN own_page_nonce;
