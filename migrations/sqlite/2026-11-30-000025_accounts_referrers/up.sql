-- Issue 14: referrer accounts ("Vermittlung"), invitation and password-reset links, and the
-- referrer who registered a participant. SQLite cannot change a CHECK in place, so `users`
-- is rebuilt (the documented twelve steps; `Db::migrate` runs SQLite migrations with foreign
-- keys off and checks them before committing).
CREATE TABLE users_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id INTEGER REFERENCES organisations(id),
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'trainer', 'referrer')),
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    calendar_token TEXT
);
INSERT INTO users_new (id, organisation_id, email, display_name, password_hash, role, active,
                       created_at, calendar_token)
    SELECT id, organisation_id, email, display_name, password_hash, role, active, created_at,
           calendar_token
    FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_organisation ON users(organisation_id);
CREATE UNIQUE INDEX users_calendar_token ON users(calendar_token);

-- One-time links sent by mail: an invitation to set the first password, or a password reset.
-- Only the hash of the link's secret is stored.
CREATE TABLE account_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
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
