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
DROP INDEX users_programme;
ALTER TABLE users DROP CONSTRAINT users_programme_check;
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'coordinator', 'trainer', 'referrer'));
ALTER TABLE users DROP COLUMN programme_id;
DROP TABLE programme_members;
DROP TABLE programme_periods;
DROP TABLE programmes;
