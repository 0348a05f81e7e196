-- Back to the earlier code of Leichte Sprache.
UPDATE run_interpreter_languages SET language = 'de-x-ls' WHERE language = 'de-simple';
UPDATE session_interpreter_languages SET language = 'de-x-ls' WHERE language = 'de-simple';
UPDATE participants SET preferred_language = 'de-x-ls' WHERE preferred_language = 'de-simple';
UPDATE stakeholders SET preferred_language = 'de-x-ls' WHERE preferred_language = 'de-simple';
UPDATE survey_translations SET language = 'de-x-ls' WHERE language = 'de-simple';
UPDATE survey_question_translations SET language = 'de-x-ls' WHERE language = 'de-simple';
UPDATE survey_drafts SET language = 'de-x-ls' WHERE language = 'de-simple';
UPDATE survey_responses SET language = 'de-x-ls' WHERE language = 'de-simple';
UPDATE certificate_prints SET title_language = 'de-x-ls' WHERE title_language = 'de-simple';
UPDATE course_title_translations SET lang = 'de-x-ls' WHERE lang = 'de-simple';
UPDATE module_title_translations SET lang = 'de-x-ls' WHERE lang = 'de-simple';
