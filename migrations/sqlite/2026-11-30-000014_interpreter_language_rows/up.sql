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
WITH RECURSIVE parts (organisation_id, owner, item, rest, position) AS (
    SELECT organisation_id, id, NULL, interpreter_languages || ',', 0 FROM course_runs
    UNION ALL
    SELECT organisation_id, owner, trim(substr(rest, 1, instr(rest, ',') - 1)),
           substr(rest, instr(rest, ',') + 1), position + 1
    FROM parts WHERE rest <> ''
)
SELECT organisation_id, owner, item, min(position) FROM parts
WHERE item IS NOT NULL AND item <> ''
GROUP BY organisation_id, owner, item;

INSERT INTO session_interpreter_languages (organisation_id, session_id, language, position)
WITH RECURSIVE parts (organisation_id, owner, item, rest, position) AS (
    SELECT organisation_id, id, NULL, interpreter_languages || ',', 0 FROM training_sessions
    UNION ALL
    SELECT organisation_id, owner, trim(substr(rest, 1, instr(rest, ',') - 1)),
           substr(rest, instr(rest, ',') + 1), position + 1
    FROM parts WHERE rest <> ''
)
SELECT organisation_id, owner, item, min(position) FROM parts
WHERE item IS NOT NULL AND item <> ''
GROUP BY organisation_id, owner, item;

ALTER TABLE course_runs DROP COLUMN interpreter_languages;
ALTER TABLE training_sessions DROP COLUMN interpreter_languages;
