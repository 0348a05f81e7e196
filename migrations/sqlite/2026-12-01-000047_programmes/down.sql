DROP TABLE library_copies;
DROP TABLE library_versions;
DROP TABLE library_templates;
-- Programme accounts cannot exist in the older form; what they did stays in the audit log.
DELETE FROM user_sessions WHERE user_id IN (SELECT id FROM users WHERE role = 'programme');
DELETE FROM api_tokens WHERE user_id IN (SELECT id FROM users WHERE role = 'programme');
DELETE FROM account_links WHERE user_id IN (SELECT id FROM users WHERE role = 'programme');
UPDATE audit_log SET actor_user_id = NULL
    WHERE actor_user_id IN (SELECT id FROM users WHERE role = 'programme');
DELETE FROM users WHERE role = 'programme';
CREATE TABLE users_old (
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
INSERT INTO users_old (id, organisation_id, email, display_name, password_hash, role, active,
                       created_at, calendar_token)
    SELECT id, organisation_id, email, display_name, password_hash, role, active, created_at,
           calendar_token
    FROM users;
DROP TABLE users;
ALTER TABLE users_old RENAME TO users;
CREATE INDEX users_organisation ON users(organisation_id);
CREATE UNIQUE INDEX users_calendar_token ON users(calendar_token);
DROP TABLE programme_members;
DROP TABLE programme_periods;
DROP TABLE programmes;
