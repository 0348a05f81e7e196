DROP INDEX api_tokens_user;
ALTER TABLE api_tokens DROP COLUMN last_used_at;
DROP TABLE login_failures;
DROP TABLE user_sessions;
