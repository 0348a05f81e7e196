DROP INDEX certificate_modules_certificate;
DROP TABLE certificate_modules;
DROP TABLE certificate_prints;
ALTER TABLE locations DROP COLUMN archived_at;
ALTER TABLE course_runs DROP COLUMN archived_at;
ALTER TABLE courses DROP COLUMN archived_at;
