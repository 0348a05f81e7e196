ALTER TABLE certificate_prints DROP COLUMN course_title_translated;
ALTER TABLE certificate_prints DROP COLUMN title_language;
