-- Interpreter languages for one session (empty: as planned for the run).
ALTER TABLE training_sessions ADD COLUMN interpreter_languages TEXT NOT NULL DEFAULT '';
