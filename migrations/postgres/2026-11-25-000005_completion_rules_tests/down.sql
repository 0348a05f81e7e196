DROP TABLE test_results;
ALTER TABLE attendance_marks DROP COLUMN left_early;
ALTER TABLE attendance DROP COLUMN left_early;
ALTER TABLE course_modules DROP COLUMN description;
ALTER TABLE courses DROP COLUMN test_must_pass_questions;
ALTER TABLE courses DROP COLUMN test_pass_points;
ALTER TABLE courses DROP COLUMN test_max_points;
ALTER TABLE courses DROP COLUMN min_attendance_percent;
