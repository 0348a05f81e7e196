-- The participant's own page (issue 13): the link carries the participant id, this nonce and
-- an HMAC over both under a key derived from the deployment's session key. The nonce alone
-- opens nothing; a new nonce makes every earlier link stop working.
ALTER TABLE participants ADD COLUMN own_page_nonce TEXT NULL;
