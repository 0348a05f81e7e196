-- Browser logins are rows, so logout, an idle timeout, an absolute lifetime, a password
-- change and a deactivation end them on every replica. Only a hash of the cookie's secret
-- is kept: reading the database does not let anyone log in.
CREATE TABLE user_sessions (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    secret_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX user_sessions_user ON user_sessions (user_id);

-- Failed logins per account and per client address, as salted hashes of those keys: the
-- throttle needs to count them, not to know whose they were. Old rows are purged.
CREATE TABLE login_failures (
    id SERIAL PRIMARY KEY,
    key_hash TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key_hash, failed_at);

ALTER TABLE api_tokens ADD COLUMN last_used_at TIMESTAMP;
CREATE INDEX api_tokens_user ON api_tokens (user_id);
