-- Issue 15: course and module titles (and module descriptions) in the participant
-- languages, entered by the coordinator, for the survey form and the certificate's line in
-- the participant's language. The German title stays in `courses`/`course_modules`; a
-- language without a row shows it. Deleting the course or module deletes its translations.
CREATE TABLE course_title_translations (
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (course_id, lang)
);

CREATE TABLE module_title_translations (
    module_id INTEGER NOT NULL REFERENCES course_modules(id) ON DELETE CASCADE,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    lang TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (module_id, lang)
);
