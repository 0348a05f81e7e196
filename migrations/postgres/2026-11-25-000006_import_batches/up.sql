-- An uploaded participant list between preview and confirmation; deleted on import and
-- when older than a day, so personal data does not linger.
CREATE TABLE import_batches (
    id SERIAL PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    created_by INTEGER NOT NULL REFERENCES users(id),
    rows_json TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
