-- Issue 14: referrer accounts ("Vermittlung"), invitation and password-reset links, and the
-- referrer who registered a participant.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'coordinator', 'trainer', 'referrer'));

-- One-time links sent by mail: an invitation to set the first password, or a password reset.
-- Only the hash of the link's secret is stored.
CREATE TABLE account_links (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    purpose TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX account_links_user ON account_links(user_id);

-- The referrer account that registered a participant on their behalf (NULL: the
-- coordinator did, or the referrer was only named in the text fields).
ALTER TABLE participants ADD COLUMN referred_by_user_id INTEGER REFERENCES users(id);
CREATE INDEX participants_referred_by ON participants(referred_by_user_id);
