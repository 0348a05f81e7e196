DROP INDEX participants_referred_by;
ALTER TABLE participants DROP COLUMN referred_by_user_id;
DROP TABLE account_links;
-- Referrer accounts cannot exist in the older form: they become inactive trainers.
UPDATE users SET role = 'trainer', active = FALSE WHERE role = 'referrer';
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'coordinator', 'trainer'));
