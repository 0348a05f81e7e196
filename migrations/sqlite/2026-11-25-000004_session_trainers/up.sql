-- Several trainers per session; training_sessions.trainer_id stays as the lead trainer.
CREATE TABLE session_trainers (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    session_id INTEGER NOT NULL REFERENCES training_sessions(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX session_trainers_user ON session_trainers(user_id);
INSERT INTO session_trainers (organisation_id, session_id, user_id)
    SELECT organisation_id, id, trainer_id FROM training_sessions WHERE trainer_id IS NOT NULL;
