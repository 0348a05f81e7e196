DROP INDEX participants_referred_by;
ALTER TABLE participants DROP COLUMN referred_by_user_id;
DROP TABLE account_links;
-- Referrer accounts cannot exist in the older form: they become inactive trainers.
CREATE TABLE users_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id INTEGER REFERENCES organisations(id),
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'trainer')),
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    calendar_token TEXT
);
INSERT INTO users_old (id, organisation_id, email, display_name, password_hash, role, active,
                       created_at, calendar_token)
    SELECT id, organisation_id, email, display_name, password_hash,
           CASE role WHEN 'referrer' THEN 'trainer' ELSE role END,
           CASE role WHEN 'referrer' THEN 0 ELSE active END,
           created_at, calendar_token
    FROM users;
DROP TABLE users;
ALTER TABLE users_old RENAME TO users;
CREATE INDEX users_organisation ON users(organisation_id);
CREATE UNIQUE INDEX users_calendar_token ON users(calendar_token);
