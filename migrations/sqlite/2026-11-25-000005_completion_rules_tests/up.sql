-- Completion rules per course, the optional final test, test results, early leave.
ALTER TABLE courses ADD COLUMN min_attendance_percent INTEGER;
ALTER TABLE courses ADD COLUMN test_max_points INTEGER;
ALTER TABLE courses ADD COLUMN test_pass_points INTEGER;
ALTER TABLE courses ADD COLUMN test_must_pass_questions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE course_modules ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE attendance ADD COLUMN left_early BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE attendance_marks ADD COLUMN left_early BOOLEAN NOT NULL DEFAULT 0;
CREATE TABLE test_results (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    run_id INTEGER NOT NULL REFERENCES course_runs(id),
    participant_id INTEGER NOT NULL REFERENCES participants(id),
    points INTEGER NOT NULL,
    must_pass_correct INTEGER NOT NULL,
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    recorded_at TIMESTAMP NOT NULL,
    UNIQUE (run_id, participant_id)
);
