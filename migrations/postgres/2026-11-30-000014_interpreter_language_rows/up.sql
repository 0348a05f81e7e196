-- Interpreter languages of runs and sessions become rows (one per language, in the order
-- chosen) instead of a comma-separated column, so queries can ask "which runs have an
-- Arabic interpreter". Existing lists move over: split on commas, blanks trimmed, empty
-- parts dropped, each language once (its first place kept).
CREATE TABLE run_interpreter_languages (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    run_id INTEGER NOT NULL REFERENCES course_runs(id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (run_id, language)
);

CREATE TABLE session_interpreter_languages (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    session_id INTEGER NOT NULL REFERENCES training_sessions(id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (session_id, language)
);
CREATE INDEX run_interpreter_languages_language
    ON run_interpreter_languages (organisation_id, language);
CREATE INDEX session_interpreter_languages_language
    ON session_interpreter_languages (organisation_id, language);

INSERT INTO run_interpreter_languages (organisation_id, run_id, language, position)
SELECT r.organisation_id, r.id, trim(part.item), min(part.position)::INTEGER
FROM course_runs r,
     unnest(string_to_array(r.interpreter_languages, ',')) WITH ORDINALITY AS part (item, position)
WHERE trim(part.item) <> ''
GROUP BY r.organisation_id, r.id, trim(part.item);

INSERT INTO session_interpreter_languages (organisation_id, session_id, language, position)
SELECT s.organisation_id, s.id, trim(part.item), min(part.position)::INTEGER
FROM training_sessions s,
     unnest(string_to_array(s.interpreter_languages, ',')) WITH ORDINALITY AS part (item, position)
WHERE trim(part.item) <> ''
GROUP BY s.organisation_id, s.id, trim(part.item);

ALTER TABLE course_runs DROP COLUMN interpreter_languages;
ALTER TABLE training_sessions DROP COLUMN interpreter_languages;
