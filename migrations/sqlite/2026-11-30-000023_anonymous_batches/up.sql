-- Answers of anonymous surveys waiting to be released into survey_responses in a shuffled
-- batch. The id is random (not a sequence) and there is no timestamp; the answer itself is
-- sealed (XChaCha20-Poly1305 under a key derived from the deployment's session key), so a
-- reader of the database cannot read it while it still sits beside the invitation it came
-- from.
CREATE TABLE survey_pending_answers (
    id TEXT PRIMARY KEY NOT NULL,
    survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    sealed TEXT NOT NULL
);
CREATE INDEX survey_pending_answers_by_survey ON survey_pending_answers (survey_id);

-- The figures of a survey's results (with small groups withheld), kept when its raw
-- answers are erased after the retention period.
CREATE TABLE survey_result_summaries (
    survey_id INTEGER PRIMARY KEY NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    results_json TEXT NOT NULL,
    raw_erased_on DATE NOT NULL
);
