DROP TABLE module_title_translations;
DROP TABLE course_title_translations;
