-- One "issue certificates for this run" action: its progress is visible while it runs, and
-- a batch that stopped (crash, restart) is simply started again: issuing is idempotent.
CREATE TABLE certificate_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    run_id INTEGER NOT NULL REFERENCES course_runs(id),
    started_by INTEGER REFERENCES users(id),
    started_at TIMESTAMP NOT NULL,
    -- Updated after every participant; a running batch without a recent heartbeat is dead.
    heartbeat_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    total INTEGER NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    issued INTEGER NOT NULL DEFAULT 0,
    already_issued INTEGER NOT NULL DEFAULT 0,
    not_completed INTEGER NOT NULL DEFAULT 0,
    -- JSON list of {participant_id, message} for people who could not get a certificate.
    failures TEXT NOT NULL DEFAULT '[]',
    state TEXT NOT NULL DEFAULT 'running'
);
CREATE INDEX certificate_batches_run ON certificate_batches (run_id, id);

-- Optional letterhead logo and signature image printed on certificates.
CREATE TABLE organisation_images (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    kind TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (organisation_id, kind)
);
