-- One row per reminder sent (session, participant, kind): the unique key makes sure every
-- reminder goes out once, whichever replica runs the job. The apology token lets the
-- participant or referrer send an apology through the link in the reminder.
CREATE TABLE session_reminders (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    session_id INTEGER NOT NULL REFERENCES training_sessions(id),
    participant_id INTEGER NOT NULL REFERENCES participants(id),
    kind TEXT NOT NULL,
    recipient TEXT,
    apology_token TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    apologised_at TIMESTAMP,
    UNIQUE (session_id, participant_id, kind)
);
