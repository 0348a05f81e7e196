ALTER TABLE course_runs ADD COLUMN interpreter_languages TEXT NOT NULL DEFAULT '';
ALTER TABLE training_sessions ADD COLUMN interpreter_languages TEXT NOT NULL DEFAULT '';

UPDATE course_runs SET interpreter_languages = coalesce((
    SELECT string_agg(language, ',' ORDER BY position)
    FROM run_interpreter_languages l WHERE l.run_id = course_runs.id
), '');
UPDATE training_sessions SET interpreter_languages = coalesce((
    SELECT string_agg(language, ',' ORDER BY position)
    FROM session_interpreter_languages l WHERE l.session_id = training_sessions.id
), '');

DROP TABLE session_interpreter_languages;
DROP TABLE run_interpreter_languages;
