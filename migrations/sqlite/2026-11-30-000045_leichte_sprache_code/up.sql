-- Leichte Sprache is called "de-simple", the name the design gives it (§6), not "de-x-ls".
UPDATE run_interpreter_languages SET language = 'de-simple' WHERE language = 'de-x-ls';
UPDATE session_interpreter_languages SET language = 'de-simple' WHERE language = 'de-x-ls';
UPDATE participants SET preferred_language = 'de-simple' WHERE preferred_language = 'de-x-ls';
UPDATE stakeholders SET preferred_language = 'de-simple' WHERE preferred_language = 'de-x-ls';
UPDATE survey_translations SET language = 'de-simple' WHERE language = 'de-x-ls';
UPDATE survey_question_translations SET language = 'de-simple' WHERE language = 'de-x-ls';
UPDATE survey_drafts SET language = 'de-simple' WHERE language = 'de-x-ls';
UPDATE survey_responses SET language = 'de-simple' WHERE language = 'de-x-ls';
UPDATE certificate_prints SET title_language = 'de-simple' WHERE title_language = 'de-x-ls';
UPDATE course_title_translations SET lang = 'de-simple' WHERE lang = 'de-x-ls';
UPDATE module_title_translations SET lang = 'de-simple' WHERE lang = 'de-x-ls';
