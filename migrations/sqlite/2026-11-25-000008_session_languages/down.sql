ALTER TABLE training_sessions DROP COLUMN interpreter_languages;
