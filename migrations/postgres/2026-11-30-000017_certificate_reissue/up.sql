-- A revoked certificate stays revoked: a new certificate for the same person and run comes
-- only from an explicit "neu ausstellen" with a reason, and this row is its record.
CREATE TABLE certificate_reissues (
    id SERIAL PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    run_id INTEGER NOT NULL REFERENCES course_runs(id),
    participant_id INTEGER NOT NULL REFERENCES participants(id),
    -- One revocation is answered by at most one reissue.
    revoked_certificate_id INTEGER NOT NULL UNIQUE REFERENCES certificates(id),
    certificate_id INTEGER NOT NULL UNIQUE REFERENCES certificates(id),
    reason TEXT NOT NULL,
    reissued_by INTEGER REFERENCES users(id),
    reissued_at TIMESTAMP NOT NULL
);
CREATE INDEX certificate_reissues_run ON certificate_reissues (run_id, participant_id);

-- People a batch left alone because their certificate was revoked.
ALTER TABLE certificate_batches ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0;
-- A batch works through participants by id; "fortsetzen" goes on after this one.
ALTER TABLE certificate_batches ADD COLUMN last_participant_id INTEGER;
